/**
 * RMSNorm (Zhang & Sennrich, 2019), the normalisation of Llama-family blocks.
 *
 * @module
 */

/**
 * `out[t] = x[t] / sqrt(mean(x[t]²) + eps) * weight`, row by row; the mean of squares is summed
 * in float64. `out` may alias `x` (each row's statistic is read before the row is written).
 *
 * @param out    [T, D] result
 * @param x      [T, D] input
 * @param weight [D] gain (`input_layernorm.weight`, `post_attention_layernorm.weight`, `norm.weight`)
 * @param eps    `rms_norm_eps` from config.json
 *
 * @example
 * ```ts
 * const y = new Float32Array(2);
 * rmsnorm(y, new Float32Array([3, 4]), new Float32Array([1, 1]), 1, 2, 0); // y ≈ [0.8485, 1.1314]
 * ```
 */
export function rmsnorm(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  T: number,
  D: number,
  eps: number,
): void {
  for (let t = 0; t < T; t++) {
    const row = t * D;
    let ss = 0;
    for (let i = 0; i < D; i++) ss += x[row + i] * x[row + i];
    const inv = 1 / Math.sqrt(ss / D + eps);
    for (let i = 0; i < D; i++) out[row + i] = x[row + i] * inv * weight[i];
  }
}
