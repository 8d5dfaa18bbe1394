/**
 * Dispatcher of `kernels/wgsl/add.wgsl`, the residual connection. Oracle: `addInPlace` in
 * `kernels/cpu/residual.ts`.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, checkNoAlias, grid1d } from "./_common.ts";

/**
 * Records `x[i] += y[i]` for i < n, in place, `wg` threads per workgroup.
 *
 * @param x [n] residual stream, updated
 * @param y [n] branch output (a different tensor)
 */
export function addInPlace(gpu: Gpu, x: GpuTensor, y: GpuTensor, n: number, { wg = 256 }: { wg?: number } = {}): void {
  checkNoAlias("addInPlace", { x }, { y });
  checkLength("addInPlace", "x", x, n);
  checkLength("addInPlace", "y", y, n);
  gpu.dispatch(gpu.pipeline("add", { WG: wg }), [gpu.uniform([n]), x.buffer, y.buffer], grid1d(n, wg));
}
