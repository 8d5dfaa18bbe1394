/**
 * LayerNorm on the GPU: `kernels/wgsl/group_norm.wgsl` with one group per row (G = 1). Oracle:
 * `kernels/cpu/layernorm.ts`.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, checkNoAlias, grid1d } from "./_common.ts";

/**
 * Records `out[t] = (x[t] - mean) / sqrt(var + eps) · weight + bias` (biased variance), one
 * workgroup of `wg` threads (a power of two) per row.
 *
 * @param out    [T, D] result (not aliasing x)
 * @param x      [T, D]
 * @param weight [D]
 * @param bias   [D]
 */
export function layernorm(
  gpu: Gpu,
  out: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  bias: GpuTensor,
  T: number,
  D: number,
  eps: number,
  { wg = 256 }: { wg?: number } = {},
): void {
  checkLength("layernorm", "x", x, T * D);
  checkLength("layernorm", "weight", weight, D);
  checkLength("layernorm", "bias", bias, D);
  checkLength("layernorm", "out", out, T * D);
  checkNoAlias("layernorm", { out }, { x, weight, bias });
  const buffers = [gpu.uniform([T, D, 1], [eps]), x.buffer, weight.buffer, bias.buffer, out.buffer]; // rows, S, G
  gpu.dispatch(gpu.pipeline("group_norm", { WG: wg }), buffers, grid1d(T, 1));
}
