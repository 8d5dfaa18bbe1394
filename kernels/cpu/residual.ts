/**
 * The residual connection.
 *
 * @module
 */

/**
 * `x[i] += y[i]` for `i < n` (default: all of `x`): adds a block's output back onto the residual
 * stream, `X ← X + ATTN(LN(X))`.
 *
 * @param x [n] residual stream, updated in place
 * @param y [n] branch output
 *
 * @example
 * ```ts
 * const x = new Float32Array([1, 2]);
 * addInPlace(x, new Float32Array([10, 20])); // x = [11, 22]
 * ```
 */
export function addInPlace(x: Float32Array, y: Float32Array, n: number = x.length): void {
  for (let i = 0; i < n; i++) x[i] += y[i];
}
