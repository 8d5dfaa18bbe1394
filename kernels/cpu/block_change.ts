/**
 * How much one block changes the residual stream, as the two sums Block Influence and Relative
 * Magnitude are made of (src/importance/block_influence.ts, src/importance/relative_magnitude.ts).
 * For x = X_i [T, D] entering the block and y = X_{i+1} [T, D] leaving it:
 *
 *   out[2·slot]     = Σ_t (1 − cos(x[t], y[t]))      cos = 0.5 when ‖x[t]‖·‖y[t]‖ = 0
 *   out[2·slot + 1] = Σ_t ‖y[t] − x[t]‖ / ‖y[t]‖     the term is 0 when ‖y[t]‖ = 0
 *
 * (the zero-norm conventions of `cosine()` and `relmagRow()` in ./row_change.ts).
 * NaN or ±Inf anywhere in x or y makes Σ(1 − cos) NaN, and Σ relmag NaN or Inf unless the
 * non-finite value is in an x row whose y row is zero (that term is 0 by the convention above);
 * nothing is masked, so a caller can detect an overflowed forward from the sums.
 *
 * {@link blockChangeSums} reads each row once, accumulating the dot product and the three squared
 * norms together in float64; {@link blockChangeSumsNaive} is written as the metrics are (`cosine()`,
 * then `relmagRow()`: a difference loop and a norm), three passes per row. Both make the same float64 operations
 * in the same order, so they agree bit for bit. `kernels/gpu/block_change.ts` is the WebGPU
 * version (f32, tested against {@link blockChangeSums}).
 *
 * @module
 */
import { cosine, relmagRow } from "./row_change.ts";

/**
 * Sets `out[2·slot] = Σ_t (1 − cos(x[t], y[t]))` and `out[2·slot + 1] = Σ_t ‖y[t] − x[t]‖ / ‖y[t]‖`,
 * summed in float64 and rounded once; the rest of `out` is untouched. Bit-identical to
 * {@link blockChangeSumsNaive}.
 *
 * @param out  at least 2·slot + 2 values; only out[2·slot] and out[2·slot + 1] are written
 * @param x    [T, D] hidden states entering the block (X_i)
 * @param y    [T, D] hidden states leaving it (X_{i+1})
 * @param slot which pair of `out` to set (one per block, say)
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * blockChangeSums(out, new Float32Array([1, 0]), new Float32Array([0, 2]), 1, 2, 0); // out = [1, 1.118…]
 * ```
 */
export function blockChangeSums(
  out: Float32Array,
  x: Float32Array,
  y: Float32Array,
  T: number,
  D: number,
  slot: number,
): void {
  let bi = 0, rm = 0;
  for (let t = 0; t < T; t++) {
    let dot = 0, xx = 0, yy = 0, dd = 0;
    for (let d = t * D; d < (t + 1) * D; d++) {
      const a = x[d], b = y[d], e = b - a;
      dot += a * b;
      xx += a * a;
      yy += b * b;
      dd += e * e;
    }
    const ny = Math.sqrt(yy), denom = Math.sqrt(xx) * ny;
    bi += 1 - (denom === 0 ? 0.5 : dot / denom);
    rm += ny === 0 ? 0 : Math.sqrt(dd) / ny;
  }
  out[2 * slot] = bi;
  out[2 * slot + 1] = rm;
}

/**
 * Reference for {@link blockChangeSums}, written as the metrics are: per row `1 − cosine()`, then
 * `relmagRow()` = `‖y − x‖ / ‖y‖` (./row_change.ts), float64 sums in row order.
 */
export function blockChangeSumsNaive(
  out: Float32Array,
  x: Float32Array,
  y: Float32Array,
  T: number,
  D: number,
  slot: number,
): void {
  let bi = 0;
  for (let t = 0; t < T; t++) bi += 1 - cosine(x, y, t, D);
  let rm = 0;
  for (let t = 0; t < T; t++) rm += relmagRow(x, y, t, D);
  out[2 * slot] = bi;
  out[2 * slot + 1] = rm;
}
