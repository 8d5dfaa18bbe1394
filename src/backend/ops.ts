/**
 * The small set of operations every model is written against. A backend implements them:
 * `cpu` on Float32Arrays with the kernels in `kernels/cpu/`, `webgpu` on GPU buffers with the
 * shaders in `kernels/wgsl/`. Models never touch array elements themselves, so one model file
 * serves both backends.
 *
 * `A` is the backend's handle for an array (activations and weights alike). Ops return new
 * handles, except the ones documented as in place. Only {@link Ops.read} waits: a GPU backend
 * queues work and copies results back when read.
 *
 * @module
 */
import type { GptqLinear } from "../../kernels/cpu/gptq.ts";
import type { RwkvOps } from "./rwkv_ops.ts";

/** Options of {@link Ops.attention}. */
export interface AttentionOptions<A> {
  /** Per-head ALiBi slopes [H] (Baichuan2-13B); score += slope · (j − i). */
  alibiSlopes?: A;
  /** Mistral's sliding window: query at position p sees keys j with p − j < window. */
  window?: number;
}

/**
 * A linear layer's weight kept packed (GPTQ codes, zero points, scales; kernels/cpu/gptq.ts), as
 * {@link Ops.uploadGptq} put it on the backend. `gptq` is the host copy of the packed buffers.
 */
export interface PackedWeight {
  /** The packed buffers on the host (kept for every backend). */
  readonly gptq: GptqLinear;
  /** The backend's own copy (GPU buffers), when it keeps one. */
  readonly device?: unknown;
}

/** Whether a linear's weight is packed rather than a float array. */
export function isPacked(w: unknown): w is PackedWeight {
  return typeof w === "object" && w !== null && "gptq" in w;
}

/** Operations on arrays of float32 values, shapes passed explicitly (legend in src/tensor.ts). */
export interface Ops<A> {
  /** Which backend this is (reports record it). */
  readonly name: "cpu" | "webgpu";
  /** Uploads host data (weights once, at load time). */
  upload(data: Float32Array): A;
  /** Copies an array back to the host. */
  read(a: A): Promise<Float32Array>;
  /**
   * Optional hint that activation `a` is dead: a device backend reuses its memory at once instead
   * of when the garbage collector finds the handle. Using `a` afterwards is a bug. Weights are
   * never released this way (the call ignores them); the CPU backend leaves everything to the collector.
   */
  release?(a: A): void;
  /**
   * Optional: frees array `a` for good, a weight included (a copy made for one experiment, such as
   * a head-masked o_proj). A device destroys a weight's memory once the work queued so far has run.
   * Using `a` afterwards is a bug. The CPU backend leaves everything to the collector.
   */
  dispose?(a: A): void;
  /** out[t] = table[ids[t]]: [T] → [T,D]. */
  embed(table: A, ids: Int32Array, D: number): A;
  /** out = x · wᵀ (+ bias): x [T,K], w [N,K] → [T,N]. */
  linear(x: A, w: A, T: number, K: number, N: number, bias?: A): A;
  /** Puts a packed GPTQ linear on the backend, kept packed (weights once, at load time). */
  uploadGptq(p: GptqLinear): PackedWeight;
  /** out = x · Wᵀ (+ bias) with W [N,K] dequantized inside the matmul: x [T,K] → [T,N]. */
  linearGptq(x: A, w: PackedWeight, T: number, bias?: A): A;
  /** RMSNorm of each row: x [T,D] → [T,D]. */
  rmsnorm(x: A, weight: A, T: number, D: number, eps: number): A;
  /** LayerNorm of each row: x [T,D] → [T,D]. */
  layernorm(x: A, weight: A, bias: A, T: number, D: number, eps: number): A;
  /**
   * Rotary embedding in place (rotate_half): x [T, H·Hd], token t at position pos0 + t; cos and
   * sin multiplied by `scale` (YaRN / LongRoPE attention factor; 1 otherwise).
   */
  rope(x: A, T: number, H: number, Hd: number, pos0: number, invFreq: Float64Array, scale?: number): void;
  /** Causal attention with grouped query heads: q [Tq,H·Hd], k/v [Tk,Hkv·Hd] → [Tq,H·Hd]. */
  attention(
    q: A,
    k: A,
    v: A,
    Tq: number,
    Tk: number,
    H: number,
    Hkv: number,
    Hd: number,
    opts?: AttentionOptions<A>,
  ): A;
  /** silu(gate) ⊙ up: [n] → [n]. */
  swiglu(gate: A, up: A, n: number): A;
  /** x += y, in place: [n]. */
  addInPlace(x: A, y: A, n: number): void;
  /** Rows of `a` followed by rows of `b` (the key/value cache): [Ta,C] + [Tb,C] → [Ta+Tb,C]. */
  concatRows(a: A, b: A, Ta: number, Tb: number, C: number): A;
  /**
   * What a block changed, summed over the T tokens of x = X_i and y = X_{i+1} [T,D], written to
   * `out` [·,2] at row `slot`: `out[2·slot] = Σ_t (1 − cos(x[t], y[t]))` (cos = 0.5 where a norm
   * is 0) and `out[2·slot+1] = Σ_t ‖y[t] − x[t]‖ / ‖y[t]‖` (0 where ‖y[t]‖ = 0). NaN and Inf
   * propagate into the sums. Block Influence and Relative Magnitude read these two numbers per
   * block instead of the hidden states.
   */
  changeSums(x: A, y: A, T: number, D: number, out: A, slot: number): void;
  /** [1]: 1 when any of x[0..n) is NaN or ±Inf, else 0 (the overflow check; one number to read back). */
  anyNonFinite(x: A, n: number): A;
  /** The operations RWKV blocks need (token shift, WKV recurrences, ...); absent on a backend without them. */
  readonly rwkv?: RwkvOps<A>;
}
