/**
 * ALiBi head slopes (Press et al., 2022), as Baichuan2-13B's `_get_interleave` and BLOOM's
 * `build_alibi_tensor` compute them.
 *
 * @module
 */

/**
 * One slope per head. For n a power of two the slopes are the geometric sequence
 * `start^(h+1)` with `start = 2^(-8/n)`: for n = 8, `[1/2, 1/4, ..., 1/256]`. Otherwise, with
 * `c` the largest power of two below n, the c slopes of the c-head case followed by the first
 * `n - c` of every other slope of the 2c-head case (`2^(-8/2c)` to the powers 1, 3, 5, ...).
 *
 * Computed in float64 and rounded once to float32 (BLOOM raises a float32 base to integer
 * powers in float32, which can differ in the last bit for n not a power of two).
 *
 * @param nHeads H
 * @returns [H] slopes; the attention score of query position p and key position j gets
 *          `slope_h · (j - p)`
 *
 * @example
 * ```ts
 * alibiSlopes(4); // [0.25, 0.0625, 0.015625, 0.00390625]
 * ```
 */
export function alibiSlopes(nHeads: number): Float32Array {
  const c = 2 ** Math.floor(Math.log2(nHeads));
  const slopes = geometricSlopes(c);
  if (c !== nHeads) {
    const extra = geometricSlopes(2 * c).filter((_, i) => i % 2 === 0).slice(0, nHeads - c);
    slopes.push(...extra);
  }
  return new Float32Array(slopes);
}

// [start^1, start^2, ..., start^n] with start = 2^(-8/n), n a power of two.
function geometricSlopes(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 2 ** (-8 * (i + 1) / n));
}
