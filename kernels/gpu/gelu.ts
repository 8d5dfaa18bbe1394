/**
 * Dispatcher of `kernels/wgsl/gelu.wgsl`. Oracle: `gelu` and `geluTanh` in
 * `kernels/cpu/activations.ts`. (No Llama-family model uses GELU; it is here for the
 * families that do.)
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, checkNoAlias, grid1d } from "./_common.ts";

const WG = 256;

/**
 * Records `out[i] = gelu(x[i])` for i < n: exact (erf) by default, the tanh approximation with
 * `approximate: "tanh"`.
 *
 * @param out [n] result (not aliasing x)
 * @param x   [n]
 */
export function gelu(gpu: Gpu, out: GpuTensor, x: GpuTensor, n: number, approximate: "none" | "tanh" = "none"): void {
  checkLength("gelu", "x", x, n);
  checkLength("gelu", "out", out, n);
  checkNoAlias("gelu", { out }, { x });
  const buffers = [gpu.uniform([n, approximate === "tanh" ? 1 : 0]), x.buffer, out.buffer];
  gpu.dispatch(gpu.pipeline("gelu", { WG }), buffers, grid1d(n, WG));
}
