/**
 * How one token's hidden state changed between two layers, in float64: the per-row cosine of Block
 * Influence and the relative change of Relative Magnitude, with the zero-norm conventions of the
 * authors' released code (docs/conventions.md). The importance metrics and the block-change kernels
 * are both built from these two functions, so they agree by construction.
 *
 * @module
 */

/** ‖x[t]‖ for one row, accumulated in float64. */
function rowNorm(x: Float32Array, t: number, D: number): number {
  let s = 0;
  for (let d = t * D; d < (t + 1) * D; d++) s += x[d] * x[d];
  return Math.sqrt(s);
}

/** ‖y[t] − x[t]‖ / ‖y[t]‖ in float64 (0 when ‖y[t]‖ = 0): one token's Relative Magnitude term. */
export function relmagRow(x: Float32Array, y: Float32Array, t: number, D: number): number {
  let diff = 0;
  for (let d = t * D; d < (t + 1) * D; d++) diff += (y[d] - x[d]) ** 2;
  const norm = rowNorm(y, t, D);
  return norm === 0 ? 0 : Math.sqrt(diff) / norm;
}

/**
 * cos(a[t], b[t]) in float64. A zero-norm vector gives NaN in the released code, which maps it to
 * 0.5 (`nan_to_num(nan=0.5)`); we do the same so both agree.
 */
export function cosine(a: Float32Array, b: Float32Array, t: number, D: number): number {
  let dot = 0, na = 0, nb = 0;
  for (let d = t * D; d < (t + 1) * D; d++) {
    dot += a[d] * b[d];
    na += a[d] * a[d];
    nb += b[d] * b[d];
  }
  const denom = Math.sqrt(na) * Math.sqrt(nb);
  return denom === 0 ? 0.5 : dot / denom;
}
