/**
 * Dispatcher of `kernels/wgsl/layernorm.wgsl`. Oracle: `kernels/cpu/layernorm.ts`.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "../../src/backend/_gpu.ts";
import { checkGroups, checkLength } from "./_common.ts";

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
  checkGroups("layernorm", "rows", T);
  const buffers = [gpu.uniform([T, D], [eps]), x.buffer, weight.buffer, bias.buffer, out.buffer];
  gpu.dispatch(gpu.pipeline("layernorm", { WG: wg }), buffers, [T]);
}
