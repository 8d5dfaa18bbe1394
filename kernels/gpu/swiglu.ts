/**
 * Dispatcher of `kernels/wgsl/swiglu.wgsl`. Oracle: `swiglu` in `kernels/cpu/activations.ts`.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, checkNoAlias, grid1d } from "./_common.ts";

const WG = 256;

/**
 * Records `out[i] = silu(gate[i]) · up[i]` for i < n.
 *
 * @param out  [n] result (not aliasing gate or up)
 * @param gate [n] gate_proj(x)
 * @param up   [n] up_proj(x)
 */
export function swiglu(gpu: Gpu, out: GpuTensor, gate: GpuTensor, up: GpuTensor, n: number): void {
  checkLength("swiglu", "gate", gate, n);
  checkLength("swiglu", "up", up, n);
  checkLength("swiglu", "out", out, n);
  checkNoAlias("swiglu", { out }, { gate, up });
  const buffers = [gpu.uniform([n]), gate.buffer, up.buffer, out.buffer];
  gpu.dispatch(gpu.pipeline("swiglu", { WG }), buffers, grid1d(n, WG));
}
