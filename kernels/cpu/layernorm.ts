/**
 * LayerNorm (Ba et al., 2016) as `torch.nn.LayerNorm`: biased variance, eps inside the root.
 *
 * @module
 */

/**
 * `out[t] = (x[t] - mean(x[t])) / sqrt(var(x[t]) + eps) * weight + bias`, row by row, where
 * `var` is the biased (divide by D) variance. Mean and variance are computed in float64, in two
 * passes. `out` may alias `x`.
 *
 * @param out    [T, D] result
 * @param x      [T, D] input
 * @param weight [D] gain
 * @param bias   [D] shift
 * @param eps    `layer_norm_eps` / `layer_norm_epsilon` from config.json
 *
 * @example
 * ```ts
 * const y = new Float32Array(2);
 * layernorm(y, new Float32Array([1, 3]), new Float32Array([1, 1]), new Float32Array([0, 0]), 1, 2, 0); // y = [-1, 1]
 * ```
 */
export function layernorm(
  out: Float32Array,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  T: number,
  D: number,
  eps: number,
): void {
  for (let t = 0; t < T; t++) {
    const row = t * D;
    let sum = 0;
    for (let i = 0; i < D; i++) sum += x[row + i];
    const mean = sum / D;
    let ss = 0;
    for (let i = 0; i < D; i++) ss += (x[row + i] - mean) * (x[row + i] - mean);
    const inv = 1 / Math.sqrt(ss / D + eps);
    for (let i = 0; i < D; i++) out[row + i] = (x[row + i] - mean) * inv * weight[i] + bias[i];
  }
}
