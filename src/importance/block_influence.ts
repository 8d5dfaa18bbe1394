/**
 * Block Influence (paper Eq. 2):
 *
 *   BI_i = 1 − E_{X,t} [ X_{i,t}ᵀ X_{i+1,t} / (‖X_{i,t}‖ ‖X_{i+1,t}‖) ]
 *
 * X_i is the residual stream entering block i. The expectation runs over every token of every
 * calibration window (BOS included). `reduce: "sum"` sums 1 − cos instead, as the authors'
 * released code does; the order of layers is the same (every score is divided by the same token count).
 * See docs/block_influence.md.
 *
 * @module
 */
import { cosine } from "../../kernels/cpu/row_change.ts";
import type { HiddenStateMetric } from "./metric.ts";

/** Accumulates BI_i over windows, in float64. */
export class BlockInfluence implements HiddenStateMetric {
  readonly #sum: Float64Array; // Σ_t (1 − cos) per block
  #tokens = 0;

  /**
   * An empty accumulator; feed it with `step` or `changeSums` for every block of every window.
   *
   * @param numLayers L, one score per layer
   * @param reduce    `mean` over calibration tokens (the paper's Eq. 2), or `sum` (the released code)
   */
  constructor(readonly numLayers: number, readonly reduce: "mean" | "sum" = "mean") {
    this.#sum = new Float64Array(numLayers);
  }

  step(i: number, xIn: Float32Array, xOut: Float32Array, T: number, D: number): void {
    for (let t = 0; t < T; t++) this.#sum[i] += 1 - cosine(xIn, xOut, t, D);
    if (i === 0) this.#tokens += T;
  }

  changeSums(i: number, oneMinusCos: number, _relmag: number, T: number): void {
    this.#sum[i] += oneMinusCos;
    if (i === 0) this.#tokens += T;
  }

  finish(): number[] {
    const n = this.reduce === "mean" ? this.#tokens : 1;
    return Array.from(this.#sum, (s) => s / n);
  }
}
