/**
 * The CPU implementation of {@link RwkvOps}: each op one call of a kernel in
 * `kernels/cpu/rwkv_*.ts`, on Float32Arrays, with WKV states in float64. It is the oracle of the
 * WebGPU implementation (`rwkv_webgpu.ts`).
 *
 * @module
 */
import {
  mulInPlace,
  reluSquaredInPlace,
  sigmoidInPlace,
  siluInPlace,
  tanhInPlace,
} from "../../kernels/cpu/rwkv_activations.ts";
import { groupNorm } from "../../kernels/cpu/rwkv_group_norm.ts";
import { timeMaa, timeMix, tokenShift } from "../../kernels/cpu/rwkv_token_shift.ts";
import { bonus7, decay7, keys7, sigmoidOfSum, valueResidual7 } from "../../kernels/cpu/rwkv_v7.ts";
import { wkv4 } from "../../kernels/cpu/rwkv_wkv4.ts";
import { wkv5, wkv6 } from "../../kernels/cpu/rwkv_wkv5.ts";
import { wkv7 } from "../../kernels/cpu/rwkv_wkv7.ts";
import type { RwkvActivation, RwkvOps } from "./rwkv_ops.ts";

type F32 = Float32Array;

const ACTIVATIONS: Record<RwkvActivation, (x: F32, n: number) => void> = {
  sigmoid: sigmoidInPlace,
  tanh: tanhInPlace,
  silu: siluInPlace,
  relu2: reluSquaredInPlace,
};

/** RWKV ops on the CPU: arrays are Float32Arrays, WKV states Float64Arrays. */
export const cpuRwkv: RwkvOps<F32, Float64Array> = {
  zeros: (n) => new Float32Array(n),
  copy: (a, n) => a.slice(0, n),
  wkv4State(C) {
    const s = new Float64Array(3 * C); // aa | bb | pp
    s.fill(-1e38, 2 * C);
    return s;
  },
  headsState: (H, S) => new Float64Array(H * S * S),
  copyState: (s) => s.slice(),

  tokenShift(h, last, T, C) {
    const prev = new Float32Array(T * C);
    tokenShift(prev, h, last, T, C);
    return prev;
  },
  timeMix(h, prev, mix, T, C) {
    const out = new Float32Array(T * C);
    timeMix(out, h, prev, mix, T, C);
    return out;
  },
  timeMaa(h, prev, maa, T, C, extra) {
    const out = new Float32Array(T * C);
    timeMaa(out, h, prev, maa, T, C, extra);
    return out;
  },
  activate: (x, n, f) => ACTIVATIONS[f](x, n),
  mulInPlace: (x, y, n) => mulInPlace(x, y, n),
  groupNorm(x, weight, bias, T, G, S, eps) {
    const out = new Float32Array(T * G * S);
    groupNorm(out, x, weight, bias, T, G, S, eps);
    return out;
  },

  wkv4(k, v, timeDecay, timeFirst, state, T, C) {
    const y = new Float32Array(T * C);
    const aa = state.subarray(0, C), bb = state.subarray(C, 2 * C), pp = state.subarray(2 * C, 3 * C);
    wkv4(y, k, v, timeDecay, timeFirst, { aa, bb, pp }, T, C);
    return y;
  },
  wkv5(r, k, v, timeDecay, u, state, T, H, S, dw) {
    const y = new Float32Array(T * H * S);
    if (dw) wkv6(y, r, k, v, timeDecay, dw, u, state, T, H, S);
    else wkv5(y, r, k, v, timeDecay, u, state, T, H, S);
    return y;
  },
  wkv7(r, w, k, v, kk, a, state, T, H, S) {
    const y = new Float32Array(T * H * S);
    wkv7(y, r, w, k, v, kk, a, state, T, H, S);
    return y;
  },

  decay7InPlace: (x, w0, T, C) => decay7(x, w0, x, T, C),
  sigmoidOfSumInPlace: (x, bias, T, C) => sigmoidOfSum(x, bias, x, T, C),
  keys7(k, a, k_k, k_a, T, H, S) {
    const kk = new Float32Array(T * H * S);
    keys7(kk, k, a, k_k, k_a, T, H, S);
    return kk;
  },
  valueResidual7: (v, vFirst, gate, n) => valueResidual7(v, vFirst, gate, n),
  bonus7: (y, r, k, v, r_k, T, H, S) => bonus7(y, r, k, v, r_k, T, H, S),
};
