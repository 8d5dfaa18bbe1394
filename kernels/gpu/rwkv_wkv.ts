/**
 * Dispatchers of the RWKV WKV recurrences: `kernels/wgsl/rwkv_wkv4.wgsl` (oracle `wkv4` in
 * `kernels/cpu/rwkv_wkv4.ts`), `kernels/wgsl/rwkv_wkv5.wgsl` (oracles `wkv5` and `wkv6` in
 * `kernels/cpu/rwkv_wkv5.ts`) and `kernels/wgsl/rwkv_wkv7.wgsl` (oracle `wkv7` in
 * `kernels/cpu/rwkv_wkv7.ts`). Each runs all T tokens in one dispatch and updates the state in
 * place, in f32 where the oracles keep float64 states.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkGroups, checkLength, checkNoAlias, grid1d } from "./_common.ts";

/** The largest head size of the WKV-5/6/7 shaders (their `MAX_S`, `MAX_N`): a private array per thread. */
export const MAX_WKV_HEAD_SIZE = 128;

/** Channels per workgroup of the WKV-4 shader. */
const WKV4_WG = 64;

/**
 * Records the RWKV-4 WKV recurrence over T tokens, one thread per channel:
 * `y_t = (e^{pp−q}·aa + e^{u+k_t−q}·v_t) / (e^{pp−q}·bb + e^{u+k_t−q})`, then the state
 * decays by `e^w`, `w = −exp(time_decay)`, and takes in token t with weight `e^{k_t}`.
 *
 * @param y         [T, C] result
 * @param k         [T, C] keys
 * @param v         [T, C] values
 * @param timeDecay [C] raw `time_decay`; the decay used is `w = −exp(time_decay)`
 * @param timeFirst [C] bonus `u`
 * @param state     [3·C] f32 = aa | bb | pp (pp of the empty state is −1e38), read and updated in place
 */
export function wkv4(
  gpu: Gpu,
  y: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  timeDecay: GpuTensor,
  timeFirst: GpuTensor,
  state: GpuTensor,
  T: number,
  C: number,
): void {
  checkLength("wkv4", "k", k, T * C);
  checkLength("wkv4", "v", v, T * C);
  checkLength("wkv4", "timeDecay", timeDecay, C);
  checkLength("wkv4", "timeFirst", timeFirst, C);
  checkLength("wkv4", "state", state, 3 * C);
  checkLength("wkv4", "y", y, T * C);
  const pipeline = gpu.pipeline("rwkv_wkv4", { WG: WKV4_WG });
  checkNoAlias("wkv4", { y, state }, { k, v, timeDecay, timeFirst });
  const buffers = [gpu.uniform([T, C]), k.buffer, v.buffer, timeDecay.buffer, timeFirst.buffer, state.buffer, y.buffer];
  gpu.dispatch(pipeline, buffers, grid1d(C, WKV4_WG));
}

/**
 * Records the RWKV-5 (dw absent: constant decay `w = exp(−exp(time_decay))`) or RWKV-6 (dw
 * present: `w_t = exp(−exp(time_decay + dw_t))`) WKV recurrence over T tokens, one workgroup
 * per head: `y_t[j] = Σ_i r_t[i]·(u[i]·k_t[i]·v_t[j] + s[i,j])`, `s[i,j] ← w_t[i]·s[i,j] + k_t[i]·v_t[j]`.
 *
 * @param y         [T, H·S] result
 * @param r         [T, H·S] receptance
 * @param k         [T, H·S] keys
 * @param v         [T, H·S] values
 * @param timeDecay [H·S] log-log decay
 * @param u         [H·S] bonus of the current token
 * @param state     [H, S, S] f32 (row i = key channel, column j = value channel), read and updated in place
 * @param dw        [T, H·S] data-dependent decay of RWKV-6; absent for RWKV-5
 */
export function wkv5(
  gpu: Gpu,
  y: GpuTensor,
  r: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  timeDecay: GpuTensor,
  u: GpuTensor,
  state: GpuTensor,
  T: number,
  H: number,
  S: number,
  dw?: GpuTensor,
): void {
  checkHeadSize("wkv5", S);
  const C = H * S;
  for (const [name, t] of [["r", r], ["k", k], ["v", v], ["y", y]] as const) checkLength("wkv5", name, t, T * C);
  checkLength("wkv5", "timeDecay", timeDecay, C);
  checkLength("wkv5", "u", u, C);
  checkLength("wkv5", "state", state, H * S * S);
  if (dw) checkLength("wkv5", "dw", dw, T * C);
  checkGroups("wkv5", "heads", H);
  const pipeline = gpu.pipeline("rwkv_wkv5", { WG: headWorkgroup(S) });
  const uniform = gpu.uniform([T, H, S, dw ? 1 : 0]);
  const dwBuffer = dw?.buffer ?? gpu.placeholder;
  checkNoAlias("wkv5", { y, state }, { r, k, v, timeDecay, u, dw });
  const buffers = [uniform, r.buffer, k.buffer, v.buffer, timeDecay.buffer, u.buffer, state.buffer, dwBuffer, y.buffer];
  gpu.dispatch(pipeline, buffers, [H]);
}

/**
 * Records the RWKV-7 WKV recurrence over T tokens, one workgroup per head:
 * `sa = −s·κ̂`, `s[i,j] ← s[i,j]·w[j] + sa[i]·κ̂[j]·a[j] + v[i]·k[j]`, `y = s·r`.
 *
 * @param y     [T, H·N] result
 * @param r     [T, H·N] receptance
 * @param w     [T, H·N] decay multipliers in (0, 1)
 * @param k     [T, H·N] keys
 * @param v     [T, H·N] values
 * @param kk    [T, H·N] κ̂, unit L2 norm per head
 * @param a     [T, H·N] in-context learning rate in (0, 1)
 * @param state [H, N, N] f32 (row i = value channel, column j = key channel), read and updated in place
 */
export function wkv7(
  gpu: Gpu,
  y: GpuTensor,
  r: GpuTensor,
  w: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  kk: GpuTensor,
  a: GpuTensor,
  state: GpuTensor,
  T: number,
  H: number,
  N: number,
): void {
  checkHeadSize("wkv7", N);
  const C = H * N;
  for (const [name, t] of [["r", r], ["w", w], ["k", k], ["v", v], ["kk", kk], ["a", a], ["y", y]] as const) {
    checkLength("wkv7", name, t, T * C);
  }
  checkLength("wkv7", "state", state, H * N * N);
  checkGroups("wkv7", "heads", H);
  checkNoAlias("wkv7", { y, state }, { r, w, k, v, kk, a });
  const pipeline = gpu.pipeline("rwkv_wkv7", { WG: headWorkgroup(N) });
  const buffers = [
    gpu.uniform([T, H, N]),
    r.buffer,
    w.buffer,
    k.buffer,
    v.buffer,
    kk.buffer,
    a.buffer,
    state.buffer,
    y.buffer,
  ];
  gpu.dispatch(pipeline, buffers, [H]);
}

/**
 * Why the `kernel` shader ("wkv5" or "wkv7") cannot take head size `S`, or null. The CPU backend
 * can: a backend reports this to the user before dispatching; the dispatchers assert it.
 */
export function wkvHeadSizeProblem(kernel: "wkv5" | "wkv7", S: number): string | null {
  return S > MAX_WKV_HEAD_SIZE
    ? `Head size ${S} exceeds the ${MAX_WKV_HEAD_SIZE} of the WebGPU ${kernel} kernel; use --backend cpu`
    : null;
}

function checkHeadSize(kernel: "wkv5" | "wkv7", S: number): void {
  if (!(Number.isInteger(S) && S >= 1)) throw new Error(`${kernel}: head size ${S} is not a positive integer`);
  const problem = wkvHeadSizeProblem(kernel, S);
  if (problem !== null) throw new Error(problem);
}

// Threads per head: 32, 64 or 128, the smallest that covers the head (one thread per row or
// column of the state); few sizes, so few pipelines to compile.
function headWorkgroup(S: number): number {
  return S <= 32 ? 32 : S <= 64 ? 64 : MAX_WKV_HEAD_SIZE;
}
