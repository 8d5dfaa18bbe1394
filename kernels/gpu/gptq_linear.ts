/**
 * Dispatcher of `kernels/wgsl/gptq_linear.wgsl`: the GPTQ linear layer on packed weights.
 * Oracle: `gptqLinear` in `kernels/cpu/gptq.ts`.
 *
 * @module
 */
import type { GptqLinear } from "../cpu/gptq.ts";
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, checkNoAlias, grid1d } from "./_common.ts";

const WG = 64;

/** A packed GPTQ linear on the device: its buffers, with the sizes the shader needs. */
export interface GpuGptq {
  bits: number;
  K: number;
  N: number;
  zWords: number;
  zeroOffset: number;
  qweight: GpuTensor; // u32 [ceil(K·bits/32), N]
  qzeros: GpuTensor; // u32 [G, zWords]
  scales: GpuTensor; // f32 [G, N]
  g_idx: GpuTensor; // u32 [K]
}

/** Uploads the packed buffers of `p` as they are (int32 words reinterpreted as u32). */
export function uploadGptq(gpu: Gpu, p: GptqLinear): GpuGptq {
  const u32 = (a: Int32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
  return {
    bits: p.bits,
    K: p.K,
    N: p.N,
    zWords: p.qzeros.length / p.G,
    zeroOffset: p.zeroOffset,
    qweight: gpu.upload(u32(p.qweight), "gptq.qweight"),
    qzeros: gpu.upload(u32(p.qzeros), "gptq.qzeros"),
    scales: gpu.upload(p.scales, "gptq.scales"),
    g_idx: gpu.upload(u32(p.g_idx), "gptq.g_idx"),
  };
}

/**
 * Records `out = x · Wᵀ (+ bias)` with W dequantized from `w` inside the matmul.
 *
 * @param out  [T, N] result (not aliasing x)
 * @param x    [T, K] input rows
 * @param bias [N] optional
 */
export function gptqLinear(gpu: Gpu, out: GpuTensor, x: GpuTensor, w: GpuGptq, T: number, bias?: GpuTensor): void {
  checkLength("gptqLinear", "x", x, T * w.K);
  checkLength("gptqLinear", "out", out, T * w.N);
  if (bias) checkLength("gptqLinear", "bias", bias, w.N);
  checkNoAlias("gptqLinear", { out }, { x, bias });
  const uniform = gpu.uniform([T, w.K, w.N, w.bits, w.zWords, w.zeroOffset, bias ? 1 : 0]);
  const buffers = [
    uniform,
    x.buffer,
    w.qweight.buffer,
    w.qzeros.buffer,
    w.scales.buffer,
    w.g_idx.buffer,
    bias?.buffer ?? gpu.placeholder,
    out.buffer,
  ];
  gpu.dispatch(gpu.pipeline("gptq_linear", { WG }), buffers, grid1d(T * w.N, WG));
}
