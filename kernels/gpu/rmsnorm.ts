/**
 * Dispatcher of `kernels/wgsl/rmsnorm.wgsl`. Oracle: `kernels/cpu/rmsnorm.ts`.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkGroups, checkLength, checkNoAlias } from "./_common.ts";

/**
 * Records `out[t] = x[t] / sqrt(mean(x[t]²) + eps) · weight`, one workgroup of `wg` threads
 * (a power of two) per row.
 *
 * @param out    [T, D] result (not aliasing x)
 * @param x      [T, D]
 * @param weight [D]
 */
export function rmsnorm(
  gpu: Gpu,
  out: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  T: number,
  D: number,
  eps: number,
  { wg = 256 }: { wg?: number } = {},
): void {
  checkLength("rmsnorm", "x", x, T * D);
  checkLength("rmsnorm", "weight", weight, D);
  checkLength("rmsnorm", "out", out, T * D);
  checkGroups("rmsnorm", "rows", T);
  checkNoAlias("rmsnorm", { out }, { x, weight });
  gpu.dispatch(gpu.pipeline("rmsnorm", { WG: wg }), [gpu.uniform([T, D], [eps]), x.buffer, weight.buffer, out.buffer], [
    T,
  ]);
}
