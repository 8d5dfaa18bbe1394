/**
 * Relative Magnitude (paper Sec. 4.4, Table 3): how large a block's update is next to its output,
 *
 *   RM_i = E_t ‖f(x)‖ / ‖x + f(x)‖ = E_t ‖X_{i+1,t} − X_{i,t}‖ / ‖X_{i+1,t}‖,
 *
 * averaged over every calibration token in float64. Low = the block changes little = removable.
 *
 * @module
 */
import { relmagRow } from "../../kernels/cpu/row_change.ts";
import type { HiddenStateMetric } from "./metric.ts";

/** Accumulates RM_i over windows. */
export class RelativeMagnitude implements HiddenStateMetric {
  readonly #sum: Float64Array;
  #tokens = 0;

  /** Scores for `numLayers` = L layers, each the mean over calibration tokens. */
  constructor(readonly numLayers: number) {
    this.#sum = new Float64Array(numLayers);
  }

  step(i: number, xIn: Float32Array, xOut: Float32Array, T: number, D: number): void {
    for (let t = 0; t < T; t++) this.#sum[i] += relmagRow(xIn, xOut, t, D);
    if (i === 0) this.#tokens += T;
  }

  changeSums(i: number, _oneMinusCos: number, relmag: number, T: number): void {
    this.#sum[i] += relmag;
    if (i === 0) this.#tokens += T;
  }

  finish(): number[] {
    return Array.from(this.#sum, (s) => s / this.#tokens);
  }
}
