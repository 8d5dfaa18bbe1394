/**
 * Dispatchers of RWKV's small (non-recurrent) operations on the GPU: token shift and its two
 * mixes, the elementwise activations, GroupNorm and RWKV-7's per-token helpers. Each records one
 * dispatch of a shader, tested against its oracle in `rwkv_ops_test.ts`:
 *
 * | dispatcher                                         | shader (`kernels/wgsl/`) | oracle (`kernels/cpu/`) |
 * | -------------------------------------------------- | ------------------------ | ----------------------- |
 * | {@link tokenShift}                                 | `rwkv_shift.wgsl`        | `rwkv_token_shift.ts`   |
 * | {@link timeMix}, {@link timeMaa}                   | `rwkv_mix.wgsl`          | `rwkv_token_shift.ts`   |
 * | {@link activate}, {@link mulInPlace}               | `rwkv_pointwise.wgsl`    | `rwkv_activations.ts`   |
 * | {@link groupNorm}                                  | `group_norm.wgsl`        | `rwkv_group_norm.ts`    |
 * | {@link decay7InPlace}, {@link sigmoidOfSumInPlace} | `rwkv_v7_sigmoid.wgsl`   | `rwkv_v7.ts`            |
 * | {@link valueResidual7}                             | `rwkv_v7_residual.wgsl`  | `rwkv_v7.ts`            |
 * | {@link keys7}                                      | `rwkv_v7_keys.wgsl`      | `rwkv_v7.ts`            |
 * | {@link bonus7}                                     | `rwkv_v7_bonus.wgsl`     | `rwkv_v7.ts`            |
 *
 * In-place operations take the updated tensor once, bound `read_write` (WebGPU forbids binding
 * one buffer twice when one binding is writable), so their other inputs must be other tensors.
 * Legend: T tokens, C channels, H heads (G groups), S head size.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, checkNoAlias, grid1d } from "./_common.ts";
import type { RwkvActivation } from "../cpu/rwkv_activations.ts";

/** Threads per workgroup of the elementwise kernels. */
const WG = 256;
/** Threads per (token, head) row of the reductions: one per channel of a 64-wide head. */
const WG_ROW = 64;

/**
 * Records the token shift `prev[0] = last`, `prev[t] = h[t−1]`; then `last ← h[T−1]`. One
 * dispatch: the thread that copies `last[c]` into `prev[0, c]` is the one that then overwrites it,
 * so `prev` sees the old state.
 *
 * @param prev [T, C] result (not aliasing h or last)
 * @param h    [T, C] this call's vectors, T ≥ 1
 * @param last [C] the vector before h[0], updated in place to h[T−1]
 */
export function tokenShift(gpu: Gpu, prev: GpuTensor, h: GpuTensor, last: GpuTensor, T: number, C: number): void {
  if (T < 1) throw new Error(`tokenShift: T = ${T}, expected at least one token`);
  checkLength("tokenShift", "h", h, T * C);
  checkLength("tokenShift", "last", last, C);
  checkLength("tokenShift", "prev", prev, T * C);
  checkNoAlias("tokenShift", { prev, last }, { h });
  const buffers = [gpu.uniform([T * C, C]), h.buffer, last.buffer, prev.buffer];
  gpu.dispatch(gpu.pipeline("rwkv_shift", { WG }), buffers, grid1d(T * C, WG));
}

/**
 * Records the v4/v5 mix `out[t,c] = h[t,c]·mix[c] + prev[t,c]·(1 − mix[c])`.
 *
 * @param out  [T, C] result (not aliasing the inputs)
 * @param h    [T, C] current token
 * @param prev [T, C] previous token ({@link tokenShift})
 * @param mix  [C] `time_mix_*`
 */
export function timeMix(
  gpu: Gpu,
  out: GpuTensor,
  h: GpuTensor,
  prev: GpuTensor,
  mix: GpuTensor,
  T: number,
  C: number,
): void {
  checkLength("timeMix", "h", h, T * C);
  checkLength("timeMix", "prev", prev, T * C);
  checkLength("timeMix", "mix", mix, C);
  checkLength("timeMix", "out", out, T * C);
  checkNoAlias("timeMix", { out }, { h, prev, mix });
  const buffers = [gpu.uniform([T * C, C, 0, 0]), h.buffer, prev.buffer, mix.buffer, gpu.placeholder, out.buffer];
  gpu.dispatch(gpu.pipeline("rwkv_mix", { WG }), buffers, grid1d(T * C, WG));
}

/**
 * Records the v6/v7 mix `out[t,c] = h[t,c] + (prev[t,c] − h[t,c])·(maa[c] + extra[t,c])`.
 *
 * @param out   [T, C] result (not aliasing the inputs)
 * @param h     [T, C] current token
 * @param prev  [T, C] previous token ({@link tokenShift})
 * @param maa   [C] `time_maa_*` or `x_*`
 * @param extra [T, C] optional per-token addition to `maa` (v6's LoRA term)
 */
export function timeMaa(
  gpu: Gpu,
  out: GpuTensor,
  h: GpuTensor,
  prev: GpuTensor,
  maa: GpuTensor,
  T: number,
  C: number,
  extra?: GpuTensor,
): void {
  checkLength("timeMaa", "h", h, T * C);
  checkLength("timeMaa", "prev", prev, T * C);
  checkLength("timeMaa", "maa", maa, C);
  if (extra) checkLength("timeMaa", "extra", extra, T * C);
  checkLength("timeMaa", "out", out, T * C);
  checkNoAlias("timeMaa", { out }, { h, prev, maa, extra });
  const buffers = [
    gpu.uniform([T * C, C, 1, extra ? 1 : 0]),
    h.buffer,
    prev.buffer,
    maa.buffer,
    extra ? extra.buffer : gpu.placeholder,
    out.buffer,
  ];
  gpu.dispatch(gpu.pipeline("rwkv_mix", { WG }), buffers, grid1d(T * C, WG));
}

export type { RwkvActivation };

/** `FN` of `rwkv_pointwise.wgsl` for each function; 4 is the product. */
const FN: Record<RwkvActivation, number> = { sigmoid: 0, tanh: 1, silu: 2, relu2: 3 };
const FN_MUL = 4;

/**
 * Records `x ← f(x)` in place on x[0..n): σ, tanh, SiLU or relu².
 *
 * @param x [n] updated
 */
export function activate(gpu: Gpu, x: GpuTensor, n: number, f: RwkvActivation): void {
  if (!Object.hasOwn(FN, f)) throw new Error(`activate: unknown function "${f}"`);
  checkLength("activate", "x", x, n);
  const buffers = [gpu.uniform([n]), x.buffer, gpu.placeholder];
  gpu.dispatch(gpu.pipeline("rwkv_pointwise", { FN: FN[f], WG }), buffers, grid1d(n, WG));
}

/**
 * Records `x ← x ⊙ y` in place on x[0..n).
 *
 * @param x [n] updated
 * @param y [n] (a different tensor)
 */
export function mulInPlace(gpu: Gpu, x: GpuTensor, y: GpuTensor, n: number): void {
  checkNoAlias("mulInPlace", { x }, { y });
  checkLength("mulInPlace", "x", x, n);
  checkLength("mulInPlace", "y", y, n);
  const buffers = [gpu.uniform([n]), x.buffer, y.buffer];
  gpu.dispatch(gpu.pipeline("rwkv_pointwise", { FN: FN_MUL, WG }), buffers, grid1d(n, WG));
}

/**
 * Records GroupNorm over G groups of S channels per token:
 * `out = (x − mean) / sqrt(var + eps) · weight + bias` per (token, group), one workgroup each.
 *
 * @param out    [T, G·S] result (not aliasing x)
 * @param x      [T, G·S]
 * @param weight [G·S] `ln_x.weight`
 * @param bias   [G·S] `ln_x.bias`
 */
export function groupNorm(
  gpu: Gpu,
  out: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  bias: GpuTensor,
  T: number,
  G: number,
  S: number,
  eps: number,
): void {
  const C = G * S;
  checkLength("groupNorm", "x", x, T * C);
  checkLength("groupNorm", "weight", weight, C);
  checkLength("groupNorm", "bias", bias, C);
  checkLength("groupNorm", "out", out, T * C);
  checkNoAlias("groupNorm", { out }, { x, weight, bias });
  const buffers = [gpu.uniform([T * G, S, G], [eps]), x.buffer, weight.buffer, bias.buffer, out.buffer];
  gpu.dispatch(gpu.pipeline("group_norm", { WG: WG_ROW }), buffers, grid1d(T * G, 1));
}

// x ← σ(bias + x) (decay 0) or exp(−e^{−1/2}·σ(bias + x)) (decay 1), in place.
function v7Sigmoid(kernel: string, gpu: Gpu, x: GpuTensor, bias: GpuTensor, T: number, C: number, decay: 0 | 1) {
  checkNoAlias(kernel, { x }, { bias });
  checkLength(kernel, "x", x, T * C);
  checkLength(kernel, "bias", bias, C);
  const buffers = [gpu.uniform([T * C, C, decay]), x.buffer, bias.buffer];
  gpu.dispatch(gpu.pipeline("rwkv_v7_sigmoid", { WG }), buffers, grid1d(T * C, WG));
}

/**
 * Records RWKV-7's decay `x ← exp(−e^{−1/2}·σ(w0 + x))` in place.
 *
 * @param x  [T, C] `tanh(xw·w1)·w2`, updated to the decay w
 * @param w0 [C] `att.w0`
 */
export function decay7InPlace(gpu: Gpu, x: GpuTensor, w0: GpuTensor, T: number, C: number): void {
  v7Sigmoid("decay7InPlace", gpu, x, w0, T, C, 1);
}

/**
 * Records `x ← σ(bias + x)` in place: RWKV-7's learning rate (`a0`) and value gate (`v0`).
 *
 * @param x    [T, C] LoRA output, updated
 * @param bias [C] `a0` or `v0`
 */
export function sigmoidOfSumInPlace(gpu: Gpu, x: GpuTensor, bias: GpuTensor, T: number, C: number): void {
  v7Sigmoid("sigmoidOfSumInPlace", gpu, x, bias, T, C, 0);
}

/**
 * Records RWKV-7's keys: `kk = normalize(k ⊙ k_k)` per head (L2, eps 1e-12 as `F.normalize`),
 * then `k ← k ⊙ (1 + (a − 1) ⊙ k_a)` in place; one workgroup per (token, head).
 *
 * @param kk  [T, H·S] result κ̂ (not aliasing the inputs)
 * @param k   [T, H·S] `key(xk)`, updated
 * @param a   [T, H·S] learning rate
 * @param k_k [H·S] `att.k_k`
 * @param k_a [H·S] `att.k_a`
 */
export function keys7(
  gpu: Gpu,
  kk: GpuTensor,
  k: GpuTensor,
  a: GpuTensor,
  k_k: GpuTensor,
  k_a: GpuTensor,
  T: number,
  H: number,
  S: number,
): void {
  const C = H * S;
  checkLength("keys7", "k", k, T * C);
  checkLength("keys7", "a", a, T * C);
  checkLength("keys7", "k_k", k_k, C);
  checkLength("keys7", "k_a", k_a, C);
  checkLength("keys7", "kk", kk, T * C);
  checkNoAlias("keys7", { k, kk }, { a, k_k, k_a });
  const buffers = [gpu.uniform([T * H, S, H]), k.buffer, a.buffer, k_k.buffer, k_a.buffer, kk.buffer];
  gpu.dispatch(gpu.pipeline("rwkv_v7_keys", { WG: WG_ROW }), buffers, grid1d(T * H, 1));
}

/**
 * Records RWKV-7's value residual `v ← v + (vFirst − v) ⊙ gate` in place.
 *
 * @param v      [n] values of this block, updated
 * @param vFirst [n] `v_first` (a different tensor)
 * @param gate   [n] `σ(v0 + xv·v1·v2)` (a different tensor)
 */
export function valueResidual7(gpu: Gpu, v: GpuTensor, vFirst: GpuTensor, gate: GpuTensor, n: number): void {
  checkNoAlias("valueResidual7", { v }, { vFirst, gate });
  checkLength("valueResidual7", "v", v, n);
  checkLength("valueResidual7", "vFirst", vFirst, n);
  checkLength("valueResidual7", "gate", gate, n);
  const buffers = [gpu.uniform([n]), v.buffer, vFirst.buffer, gate.buffer];
  gpu.dispatch(gpu.pipeline("rwkv_v7_residual", { WG }), buffers, grid1d(n, WG));
}

/**
 * Records RWKV-7's bonus `y[h] += (Σ_j r·k·r_k over head h) · v[h]` in place on y, one workgroup
 * per (token, head).
 *
 * @param y   [T, H·S] updated
 * @param r   [T, H·S] receptance
 * @param k   [T, H·S] key (after {@link keys7})
 * @param v   [T, H·S] value (after {@link valueResidual7})
 * @param r_k [H·S] `att.r_k`
 */
export function bonus7(
  gpu: Gpu,
  y: GpuTensor,
  r: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  r_k: GpuTensor,
  T: number,
  H: number,
  S: number,
): void {
  const C = H * S;
  checkLength("bonus7", "y", y, T * C);
  checkLength("bonus7", "r", r, T * C);
  checkLength("bonus7", "k", k, T * C);
  checkLength("bonus7", "v", v, T * C);
  checkLength("bonus7", "r_k", r_k, C);
  checkNoAlias("bonus7", { y }, { r, k, v, r_k });
  const buffers = [gpu.uniform([T * H, S, H]), y.buffer, r.buffer, k.buffer, v.buffer, r_k.buffer];
  gpu.dispatch(gpu.pipeline("rwkv_v7_bonus", { WG: WG_ROW }), buffers, grid1d(T * H, 1));
}
