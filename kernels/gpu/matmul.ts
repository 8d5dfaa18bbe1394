/**
 * Dispatcher of `kernels/wgsl/matmul.wgsl`, the linear layer `out = x · wᵀ (+ bias)` with `w`
 * in PyTorch `nn.Linear` layout [N, K]. Oracle: `matmulNaive` in `kernels/cpu/matmul.ts`.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, checkNoAlias } from "./_common.ts";

/**
 * Threads of a workgroup along N (`wgX`, default 16) and T (`wgY`, default 16), each computing
 * 4 × 4 outputs, and the K-slice `tk` (default 8) held in workgroup memory.
 */
export interface MatmulTuning {
  wgX?: number;
  wgY?: number;
  tk?: number;
}

/**
 * Records `out[t, n] = Σ_k x[t, k] · w[n, k] + bias[n]`.
 *
 * @param out  [T, N] result (not aliasing x or w)
 * @param x    [T, K]
 * @param w    [N, K]
 * @param bias [N] optional
 */
export function matmul(
  gpu: Gpu,
  out: GpuTensor,
  x: GpuTensor,
  w: GpuTensor,
  T: number,
  K: number,
  N: number,
  bias?: GpuTensor,
  { wgX = 16, wgY = 16, tk = 8 }: MatmulTuning = {},
): void {
  checkLength("matmul", "x", x, T * K);
  checkLength("matmul", "w", w, N * K);
  checkLength("matmul", "out", out, T * N);
  if (bias) checkLength("matmul", "bias", bias, N);
  const pipeline = gpu.pipeline("matmul", { WG_X: wgX, WG_Y: wgY, TK: tk });
  const uniform = gpu.uniform([T, K, N, bias ? 1 : 0]);
  const groups = [Math.ceil(N / (4 * wgX)), Math.ceil(T / (4 * wgY))];
  checkNoAlias("matmul", { out }, { x, w, bias });
  gpu.dispatch(pipeline, [uniform, x.buffer, w.buffer, bias?.buffer ?? gpu.placeholder, out.buffer], groups);
}
