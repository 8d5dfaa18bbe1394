/**
 * What the RWKV versions share: the backend they run on ({@link RwkvBackend}), LayerNorm
 * weights, the per-block recurrent state in a {@link Run}, the low-rank (LoRA) projections of
 * v6/v7, and the loading helpers: weights are read and reshaped on the host, then uploaded once
 * ({@link onBackend}). Legend: T tokens, D = n_embd, Datt = dim_att, F = dim_ffn, H heads, S head size.
 *
 * @module
 */
import type { Ops } from "../../backend/ops.ts";
import type { RwkvActivation, RwkvOps } from "../../backend/rwkv_ops.ts";
import { UserError } from "../../errors.ts";
import type { Run } from "../model.ts";
import type { Getter } from "../weights.ts";

/** Host arrays, as read from the checkpoint (weights are uploaded to the backend once built). */
export type Arr = Float32Array;

/** The two sets of operations an RWKV block runs on: {@link Ops} and {@link RwkvOps}. */
export interface RwkvBackend<A> {
  readonly ops: Ops<A>;
  readonly rk: RwkvOps<A>;
}

/** `ops` with its RWKV operations; a UserError for a backend that has none. */
export function rwkvBackend<A>(ops: Ops<A>): RwkvBackend<A> {
  if (!ops.rwkv) throw new UserError(`The ${ops.name} backend cannot run RWKV models; use --backend cpu`);
  return { ops, rk: ops.rwkv };
}

/**
 * A weight structure with every host array replaced by a backend handle: what {@link onBackend}
 * makes of the structures the loaders build.
 */
export type OnBackend<T, A> = T extends Float32Array ? A
  : T extends number | string | boolean | null | undefined ? T
  : { [K in keyof T]: OnBackend<T[K], A> };

/** Uploads every Float32Array in `tree` (nested objects, nulls kept) once: host weights → backend weights. */
export function onBackend<T, A>(ops: Ops<A>, tree: T): OnBackend<T, A> {
  const walk = (node: unknown): unknown => {
    if (node instanceof Float32Array) return ops.upload(node);
    if (node === null || typeof node !== "object") return node;
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
  };
  return walk(tree) as OnBackend<T, A>;
}

/** `ln0`, `ln1`, `ln2`, `ln_out`, `att.ln_x`. */
export interface LayerNormWeights<A = Arr> {
  weight: A; // [n]
  bias: A; // [n]
}

/** Reads `${name}.weight` and `${name}.bias`, both [n]. */
export function layerNormWeights(get: Getter, name: string, n: number): LayerNormWeights {
  return { weight: get(`${name}.weight`, [n]), bias: get(`${name}.bias`, [n]) };
}

/** LayerNorm of each row: x [T,n] → [T,n]. */
export function layerNorm<A>(ops: Ops<A>, x: A, ln: LayerNormWeights<A>, T: number, n: number, eps: number): A {
  return ops.layernorm(x, ln.weight, ln.bias, T, n, eps);
}

/**
 * The state a block starts this call from: the stored one when the run has it (updated in place
 * when `keepState`, else a `copy` so the stored one stays as it was), or `fresh()` (the zero state).
 */
export function startState<State, A>(
  run: Run<A>,
  block: object,
  keepState: boolean,
  fresh: () => State,
  copy: (s: State) => State,
): State {
  const stored = run.state.get(block) as State | undefined;
  if (stored === undefined) return fresh();
  return keepState ? stored : copy(stored);
}

/** A low-rank projection in `nn.Linear` layout: `inner(x·W1)·W2`, with W1ᵀ [R,K] and W2ᵀ [N,R] stored. */
export interface Lora<A = Arr> {
  w1_t: A; // [R, K]
  w2_t: A; // [N, R]
  R: number;
}

/** `x·W1`, the inner function in place, then `·W2`: x [T,K] → [T,N]. */
export function lora<A>(
  { ops, rk }: RwkvBackend<A>,
  x: A,
  l: Lora<A>,
  T: number,
  K: number,
  N: number,
  inner?: RwkvActivation,
): A {
  const h = ops.linear(x, l.w1_t, T, K, l.R); // [T,R]
  if (inner) rk.activate(h, T * l.R, inner);
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
function transpose(m: Arr, rows: number, cols: number): Arr {
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
