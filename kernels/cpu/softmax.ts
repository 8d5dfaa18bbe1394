/**
 * Row-wise softmax.
 *
 * @module
 */

/**
 * In place, for each row: `x[r, j] ← exp(x[r, j] - max_r) / Σ_j exp(x[r, j] - max_r)`.
 * Subtracting the row max keeps `exp` from overflowing; the row sum is taken in float64.
 * `-Infinity` entries (masked positions) become 0. Like torch, a row with no finite entry
 * becomes NaN.
 *
 * @param x [rows, cols] scores, replaced by probabilities
 *
 * @example
 * ```ts
 * const p = new Float32Array([0, Math.log(3), -Infinity]);
 * softmax(p, 1, 3); // p = [0.25, 0.75, 0]
 * ```
 */
export function softmax(x: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (x[row + j] > max) max = x[row + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(x[row + j] - max);
      x[row + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < cols; j++) x[row + j] *= inv;
  }
}
