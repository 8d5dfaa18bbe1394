/**
 * What the RWKV versions share: LayerNorm weights, the per-block recurrent state in a
 * {@link Run}, token shift, the low-rank (LoRA) projections of v6/v7 and the weight loading
 * helpers. Legend: T tokens, D = n_embd, A = dim_att, F = dim_ffn, H heads, S head size.
 *
 * @module
 */
import { tokenShift } from "../../../kernels/cpu/rwkv_token_shift.ts";
import type { Ops } from "../../backend/ops.ts";
import type { Run } from "../model.ts";
import type { Weights } from "../weights.ts";

/** RWKV runs on float32 arrays on the CPU backend for now. */
export type Arr = Float32Array;
export type CpuOps = Ops<Arr>;

/** `ln0`, `ln1`, `ln2`, `ln_out`, `att.ln_x`. */
export interface LayerNormWeights {
  weight: Arr; // [n]
  bias: Arr; // [n]
}

/**
 * A getter scoped to one prefix: `get("att.key.weight", [A, D])` reads `blocks.3.att.key.weight`
 * (shape and finiteness checked, a missing tensor reported by its full name); `get.has(name)`
 * asks whether it is there.
 */
export type Getter = ((name: string, shape: number[]) => Arr) & { has(name: string): boolean; prefix: string };

/** The getter for tensors named `${prefix}.${name}` (just `name` when `prefix` is ""). */
export function scoped(weights: Weights, prefix: string): Getter {
  const full = (name: string) => (prefix ? `${prefix}.${name}` : name);
  const get = (name: string, shape: number[]) => weights.get(full(name), shape);
  return Object.assign(get, { has: (name: string) => weights.has(full(name)), prefix });
}

/** Reads `${name}.weight` and `${name}.bias`, both [n]. */
export function layerNormWeights(get: Getter, name: string, n: number): LayerNormWeights {
  return { weight: get(`${name}.weight`, [n]), bias: get(`${name}.bias`, [n]) };
}

/** LayerNorm of each row: x [T,n] → [T,n]. */
export function layerNorm(ops: CpuOps, x: Arr, ln: LayerNormWeights, T: number, n: number, eps: number): Arr {
  return ops.layernorm(x, ln.weight, ln.bias, T, n, eps);
}

/**
 * The state a block starts this call from: the stored one when the run has it (updated in place
 * when `keepState`, else copied so the stored one stays as it was), or `fresh()` (the zero state).
 */
export function startState<S>(run: Run<Arr>, block: object, keepState: boolean, fresh: () => S): S {
  const stored = run.state.get(block) as S | undefined;
  if (stored === undefined) return fresh();
  return keepState ? stored : structuredClone(stored);
}

/** Token shift: `prev[t] = h[t−1]` with `prev[0] = last`; `last ← h[T−1]`. h [T,C] → prev [T,C]. */
export function shift(h: Arr, last: Arr, T: number, C: number): Arr {
  const prev = new Float32Array(T * C);
  tokenShift(prev, h, last, T, C);
  return prev;
}

/** A low-rank projection in `nn.Linear` layout: `inner(x·W1)·W2`, with W1ᵀ [R,K] and W2ᵀ [N,R] stored. */
export interface Lora {
  w1_t: Arr; // [R, K]
  w2_t: Arr; // [N, R]
  R: number;
}

/** `x·W1`, the inner function in place, then `·W2`: x [T,K] → [T,N]. */
export function lora(ops: CpuOps, x: Arr, l: Lora, T: number, K: number, N: number, inner?: (h: Arr) => void): Arr {
  const h = ops.linear(x, l.w1_t, T, K, l.R); // [T,R]
  inner?.(h);
  return ops.linear(h, l.w2_t, T, l.R, N); // [T,N]
}

/**
 * Reads a LoRA stored as BlinkDL does (`x @ W`: W1 [K,R], W2 [R,N]) and transposes it to
 * `nn.Linear` layout once, at load, so the forward is two `ops.linear` calls.
 */
export function loraWeights(get: Getter, w1: string, w2: string, K: number, R: number, N: number): Lora {
  return { w1_t: transpose(get(w1, [K, R]), K, R), w2_t: transpose(get(w2, [R, N]), R, N), R };
}

/** `m` [rows, cols] → mᵀ [cols, rows]. */
export function transpose(m: Arr, rows: number, cols: number): Arr {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j];
  return out;
}

/** Repeats each of `values` [H] `S` times: a per-head parameter as a per-channel one [H·S]. */
export function perChannel(values: Arr, H: number, S: number, f: (x: number) => number = (x) => x): Arr {
  const out = new Float32Array(H * S);
  for (let h = 0; h < H; h++) out.fill(f(values[h]), h * S, (h + 1) * S);
  return out;
}
