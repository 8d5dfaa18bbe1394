/**
 * GroupNorm over the heads of one token, `torch.nn.functional.group_norm(x, num_groups=H)` on a
 * single row: RWKV 5, 6 and 7 normalise each head's WKV output with it (`att.ln_x`).
 *
 * @module
 */

/**
 * For each token t and group g: `out = (x − mean) / sqrt(var + eps) · weight + bias` over the S
 * channels of the group (biased variance, float64 statistics, two passes). `out` may alias `x`.
 *
 * @param out    [T, G·S] result
 * @param x      [T, G·S] input
 * @param weight [G·S] `ln_x.weight`
 * @param bias   [G·S] `ln_x.bias`
 * @param G      groups (heads H)
 * @param S      channels per group (head size)
 * @param eps    config.json's `ln_x_eps`
 *
 * @example
 * ```ts
 * const y = new Float32Array(4);
 * groupNorm(y, new Float32Array([1, 3, 10, 30]), new Float32Array(4).fill(1), new Float32Array(4), 1, 2, 2, 0);
 * // y = [-1, 1, -1, 1]
 * ```
 */
export function groupNorm(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  T: number,
  G: number,
  S: number,
  eps: number,
): void {
  for (let t = 0; t < T; t++) {
    for (let g = 0; g < G; g++) {
      const o = (t * G + g) * S, c0 = g * S;
      let sum = 0;
      for (let i = 0; i < S; i++) sum += x[o + i];
      const mean = sum / S;
      let ss = 0;
      for (let i = 0; i < S; i++) ss += (x[o + i] - mean) * (x[o + i] - mean);
      const inv = 1 / Math.sqrt(ss / S + eps);
      for (let i = 0; i < S; i++) out[o + i] = (x[o + i] - mean) * inv * weight[c0 + i] + bias[c0 + i];
    }
  }
}
