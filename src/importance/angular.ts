/**
 * Angular distance over n layers (Gromov et al., "The Unreasonable Ineffectiveness of the Deeper
 * Layers"), which the ShortGPT code offers as `angular=True`:
 *
 *   d_i(n) = arccos(cos(X_i[T−1], X_{i+n}[T−1])) / π,   for i = 0..L−n,
 *
 * on the last token of each window, averaged over windows (`reduce: "sum"`: summed, as the
 * released code does). Score i covers layers i..i+n−1; removing the lowest block of n layers is
 * the method of that paper.
 *
 * @module
 */
import { cosine } from "../../kernels/cpu/row_change.ts";
import type { HiddenStateMetric } from "./metric.ts";

/** Accumulates d_i(n) over windows. */
export class AngularDistance implements HiddenStateMetric {
  readonly #sum: Float64Array;
  #windows = 0;
  /** Last-token vectors X_i of each window still in flight (windows arrive interleaved when streaming). */
  #last = new Map<number, Float32Array[]>();

  /**
   * An empty accumulator; feed it with {@link AngularDistance.state} for i = 0..L of each window.
   *
   * @param numLayers L; scores come out for i = 0..L−n
   * @param n         layers per block
   * @param reduce    `mean` over windows, or `sum` (the released ShortGPT code)
   */
  constructor(readonly numLayers: number, readonly n: number, readonly reduce: "mean" | "sum" = "mean") {
    this.#sum = new Float64Array(numLayers - n + 1);
  }

  state(w: number, i: number, x: Float32Array, T: number, D: number): void {
    let last = this.#last.get(w);
    if (!last) this.#last.set(w, last = []);
    last[i] = x.slice((T - 1) * D, T * D);
    if (i >= this.n) {
      const c = Math.max(-1, Math.min(1, cosine(last[i - this.n], last[i], 0, D)));
      this.#sum[i - this.n] += Math.acos(c) / Math.PI;
    }
    if (i === this.numLayers) {
      this.#windows++;
      this.#last.delete(w);
    }
  }

  finish(): number[] {
    const n = this.reduce === "mean" ? this.#windows : 1;
    return Array.from(this.#sum, (s) => s / n);
  }
}
