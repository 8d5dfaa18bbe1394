/**
 * Dispatcher of `kernels/wgsl/nonfinite.wgsl`, the device-side overflow check. Oracle:
 * `anyNonFinite` in `kernels/cpu/nonfinite.ts`.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, checkNoAlias, grid1d } from "./_common.ts";

/**
 * Records `out[0] = 1` if any of x[0..n) is NaN or ±Inf, else `0` (out is cleared first).
 *
 * @param out [1] result (a different tensor from x)
 * @param x   [n]
 */
export function anyNonFinite(gpu: Gpu, out: GpuTensor, x: GpuTensor, n: number, { wg = 256 } = {}): void {
  checkNoAlias("anyNonFinite", { out }, { x });
  checkLength("anyNonFinite", "x", x, n);
  checkLength("anyNonFinite", "out", out, 1);
  gpu.clear(out);
  if (n === 0) return;
  gpu.dispatch(gpu.pipeline("nonfinite", { WG: wg }), [gpu.uniform([n]), x.buffer, out.buffer], grid1d(n, wg));
}
