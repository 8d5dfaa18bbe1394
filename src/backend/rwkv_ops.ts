/**
 * The operations RWKV blocks need beyond {@link Ops}: token shift and its mixes, the elementwise
 * functions, GroupNorm, the WKV recurrences of versions 4 to 7 and v7's small helpers. Each
 * backend implements them (`cpuRwkv` in `rwkv_cpu.ts` on the kernels of `kernels/cpu/rwkv_*.ts`,
 * the WebGPU backend on `kernels/wgsl/rwkv_*.wgsl`), so one block file per RWKV version serves
 * every backend, as the Llama blocks do with {@link Ops}.
 *
 * `A` is the backend's array handle; `State` its handle for a WKV state (the CPU keeps states in
 * float64, the GPU in f32; blocks never look inside). Ops return new handles unless documented
 * as in place. Legend: T tokens, C channels, H heads, S head size.
 *
 * @module
 */

import type { RwkvActivation } from "../../kernels/cpu/rwkv_activations.ts";

/** The elementwise functions of RWKV blocks (defined with their kernels). */
export type { RwkvActivation };

/** RWKV's operations on a backend with array handle `A` and WKV state handle `State`. */
export interface RwkvOps<A, State = unknown> {
  /** A new array of `n` zeros (the token-shift state before the first token). */
  zeros(n: number): A;
  /** A copy of `a` [n]. */
  copy(a: A, n: number): A;
  /** The empty WKV-4 state of C channels: aa = bb = 0, pp = −1e38. */
  wkv4State(C: number): State;
  /** The zero state of H heads of S×S (v5, v6, v7). */
  headsState(H: number, S: number): State;
  /** A copy of a WKV state. */
  copyState(s: State): State;

  /** `prev[t] = h[t−1]`, `prev[0] = last`; then `last ← h[T−1]` in place. h [T,C] → prev [T,C]. */
  tokenShift(h: A, last: A, T: number, C: number): A;
  /** v4/v5 mix `h·mix + prev·(1 − mix)`, mix [C]: [T,C] → [T,C]. */
  timeMix(h: A, prev: A, mix: A, T: number, C: number): A;
  /** v6/v7 mix `h + (prev − h)·(maa + extra)`, maa [C], extra [T,C] optional: [T,C] → [T,C]. */
  timeMaa(h: A, prev: A, maa: A, T: number, C: number, extra?: A): A;
  /** `x ← f(x)` in place on x[0..n). */
  activate(x: A, n: number, f: RwkvActivation): void;
  /** `x ← x ⊙ y` in place. */
  mulInPlace(x: A, y: A, n: number): void;
  /** GroupNorm of each token over G groups of S channels (`att.ln_x`): [T,G·S] → [T,G·S]. */
  groupNorm(x: A, weight: A, bias: A, T: number, G: number, S: number, eps: number): A;

  /** WKV-4: y [T,C] from k, v [T,C]; decay `−exp(time_decay)`, bonus `time_first` [C]; state in place. */
  wkv4(k: A, v: A, timeDecay: A, timeFirst: A, state: State, T: number, C: number): A;
  /**
   * WKV-5 (`dw` absent: decay `exp(−exp(time_decay))`) or WKV-6 (decay `exp(−exp(time_decay + dw_t))`,
   * dw [T,H·S]): y [T,H·S] from r, k, v; time_decay, u [H·S]; state [H,S,S] in place.
   */
  wkv5(r: A, k: A, v: A, timeDecay: A, u: A, state: State, T: number, H: number, S: number, dw?: A): A;
  /** WKV-7: y [T,H·S] from r, w, k, v, κ̂, a [T,H·S]; state [H,S,S] in place. */
  wkv7(r: A, w: A, k: A, v: A, kk: A, a: A, state: State, T: number, H: number, S: number): A;

  /** v7 decay `x ← exp(−e^{−1/2}·σ(w0 + x))` in place, w0 [C]. */
  decay7InPlace(x: A, w0: A, T: number, C: number): void;
  /** `x ← σ(bias + x)` in place, bias [C]. */
  sigmoidOfSumInPlace(x: A, bias: A, T: number, C: number): void;
  /** v7 keys: returns κ̂ = normalize_head(k ⊙ k_k); then `k ← k ⊙ (1 + (a − 1) ⊙ k_a)` in place. */
  keys7(k: A, a: A, k_k: A, k_a: A, T: number, H: number, S: number): A;
  /** v7 value residual `v ← v + (vFirst − v) ⊙ gate`, in place. */
  valueResidual7(v: A, vFirst: A, gate: A, n: number): void;
  /** v7 bonus `y[h] += (Σ_j r·k·r_k over head h)·v[h]`, in place on y. */
  bonus7(y: A, r: A, k: A, v: A, r_k: A, T: number, H: number, S: number): void;
}
