/**
 * The WebGPU implementation of {@link RwkvOps}: each computing op one dispatch of the shaders in
 * `kernels/wgsl/rwkv_*.wgsl` through `kernels/gpu/rwkv_ops.ts` and `kernels/gpu/rwkv_wkv.ts`.
 * WKV states are f32 tensors on the GPU (the CPU oracle, `rwkv_cpu.ts`, keeps them in float64);
 * the recurrence runs as one kernel per block and call, tokens one after another inside it.
 *
 * @module
 */
import {
  activate,
  bonus7,
  decay7InPlace,
  groupNorm,
  keys7,
  mulInPlace,
  sigmoidOfSumInPlace,
  timeMaa,
  timeMix,
  tokenShift,
  valueResidual7,
} from "../../kernels/gpu/rwkv_ops.ts";
import { wkv4, wkv5, wkv7, wkvHeadSizeProblem } from "../../kernels/gpu/rwkv_wkv.ts";
import type { Gpu, GpuTensor } from "../../kernels/gpu/device.ts";
import type { RwkvOps } from "./rwkv_ops.ts";
import { refuseOnGpu } from "./_refuse.ts";

/** RWKV ops on `gpu`: arrays and WKV states are GPU tensors. */
export function webGpuRwkv(gpu: Gpu): RwkvOps<GpuTensor, GpuTensor> {
  const zeros = (n: number) => {
    const t = gpu.tensor(n);
    gpu.clear(t);
    return t;
  };
  const copy = (a: GpuTensor, n = a.length) => {
    const out = gpu.tensor(n);
    gpu.copy(a.buffer, 0, out.buffer, 0, n * 4);
    return out;
  };
  const emptyWkv4 = new Map<number, GpuTensor>(); // the empty WKV-4 state per width, uploaded once
  return {
    zeros,
    copy,
    wkv4State(C) {
      let empty = emptyWkv4.get(C);
      if (!empty) {
        const s = new Float32Array(3 * C); // aa | bb | pp
        s.fill(-1e38, 2 * C);
        emptyWkv4.set(C, empty = gpu.upload(s, "empty wkv4 state"));
      }
      return copy(empty);
    },
    headsState: (H, S) => zeros(H * S * S),
    copyState: (s) => copy(s),

    tokenShift(h, last, T, C) {
      const prev = gpu.tensor(T * C);
      tokenShift(gpu, prev, h, last, T, C);
      return prev;
    },
    timeMix(h, prev, mix, T, C) {
      const out = gpu.tensor(T * C);
      timeMix(gpu, out, h, prev, mix, T, C);
      return out;
    },
    timeMaa(h, prev, maa, T, C, extra) {
      const out = gpu.tensor(T * C);
      timeMaa(gpu, out, h, prev, maa, T, C, extra);
      return out;
    },
    activate: (x, n, f) => activate(gpu, x, n, f),
    mulInPlace: (x, y, n) => mulInPlace(gpu, x, y, n),
    groupNorm(x, weight, bias, T, G, S, eps) {
      const out = gpu.tensor(T * G * S);
      groupNorm(gpu, out, x, weight, bias, T, G, S, eps);
      return out;
    },

    wkv4(k, v, timeDecay, timeFirst, s, T, C) {
      const y = gpu.tensor(T * C);
      wkv4(gpu, y, k, v, timeDecay, timeFirst, s, T, C);
      return y;
    },
    wkv5(r, k, v, timeDecay, u, s, T, H, S, dw) {
      refuseOnGpu(wkvHeadSizeProblem("wkv5", S));
      const y = gpu.tensor(T * H * S);
      wkv5(gpu, y, r, k, v, timeDecay, u, s, T, H, S, dw);
      return y;
    },
    wkv7(r, w, k, v, kk, a, s, T, H, S) {
      refuseOnGpu(wkvHeadSizeProblem("wkv7", S));
      const y = gpu.tensor(T * H * S);
      wkv7(gpu, y, r, w, k, v, kk, a, s, T, H, S);
      return y;
    },

    decay7InPlace: (x, w0, T, C) => decay7InPlace(gpu, x, w0, T, C),
    sigmoidOfSumInPlace: (x, bias, T, C) => sigmoidOfSumInPlace(gpu, x, bias, T, C),
    keys7(k, a, k_k, k_a, T, H, S) {
      const kk = gpu.tensor(T * H * S);
      keys7(gpu, kk, k, a, k_k, k_a, T, H, S);
      return kk;
    },
    valueResidual7: (v, vFirst, gate, n) => valueResidual7(gpu, v, vFirst, gate, n),
    bonus7: (y, r, k, v, r_k, T, H, S) => bonus7(gpu, y, r, k, v, r_k, T, H, S),
  };
}
