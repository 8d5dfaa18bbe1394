/**
 * What every model family provides: `embed → blocks[] → final norm → head`.
 *
 * A block maps the residual stream `X_i` [T,D] to `X_{i+1}` [T,D] and does not know its
 * position in the stack, so removing a layer is removing an element of `blocks`
 * (`originalIndex` is kept only for reports and names). Recurrent state (RWKV) and the key/value
 * cache (generation) live in a {@link Run}, keyed by the block object, never in the block.
 *
 * @module
 */
import type { Ops } from "../backend/ops.ts";

/** Per-sequence state of one forward pass (or of a generation, across calls). */
export interface Run<A> {
  /** Position of the first token of this call (0 for a fresh sequence). */
  pos0: number;
  /** State each block keeps between calls (KV cache, RWKV recurrent state), keyed by block. */
  readonly state: Map<object, unknown>;
}

/** A fresh run from position 0 with empty state. */
export function newRun<A>(): Run<A> {
  return { pos0: 0, state: new Map() };
}

/** One residual block: X_{i+1} = block(X_i). */
export interface Block<A> {
  /** Index of this block in the checkpoint it was loaded from. */
  readonly originalIndex: number;
  /** `x` [T,D] → [T,D]. Never modifies `x`. `keepState` asks it to store what a later call needs. */
  forward(x: A, T: number, run: Run<A>, keepState: boolean): A;
}

/** Facts about a model every command needs, whatever its family. */
export interface ModelInfo {
  /** config.json's `model_type`. */
  readonly family: "llama" | "mistral" | "qwen2" | "baichuan" | "rwkv";
  /** D */
  readonly hiddenSize: number;
  /** V */
  readonly vocabSize: number;
  /** Positions the model was trained for (a limit for transformers, a hint for RWKV). */
  readonly maxPositions: number;
  /** Beginning-of-sequence id, null when none. */
  readonly bosTokenId: number | null;
  /** The first end-of-sequence id, null when none. */
  readonly eosTokenId: number | null;
  /** Every end-of-sequence id (generation stops at any); `eosTokenId` is the first. */
  readonly eosTokenIds: readonly number[];
}

/** A causal language model, ready to run on backend `ops`. */
export interface CausalLM<A = Float32Array> {
  /** Facts every command needs (sizes, special ids). */
  readonly info: ModelInfo;
  /** The backend its weights live on and its forward runs on. */
  readonly ops: Ops<A>;
  /** The folder it was loaded from. */
  readonly dir: string;
  /** The residual blocks, in order. Remove a layer by removing its block. */
  blocks: Block<A>[];
  /** Token ids [T] → X_0 [T,D]. */
  embed(ids: Int32Array): A;
  /** X_L [T,D] → the final norm [T,D]. */
  finalNorm(x: A, T: number): A;
  /** Normed hidden [T,D] → logits [T,V]. */
  head(x: A, T: number): A;
}

/**
 * A model opened part by part: the same embed/finalNorm/head as {@link CausalLM}, each loading
 * its weights on first use, and `loadBlock(i)` reading only block i. Layer streaming runs every
 * window through one block, drops it, and loads the next.
 */
export interface ModelParts<A = Float32Array> {
  /** As {@link CausalLM.info}. */
  readonly info: ModelInfo;
  /** The backend parts are loaded onto. */
  readonly ops: Ops<A>;
  /** The folder it reads. */
  readonly dir: string;
  /** L, the number of blocks in the checkpoint. */
  readonly numLayers: number;
  /** Token ids [T] → X_0 [T,D] (the embedding table read on first call). */
  embed(ids: Int32Array): A;
  /** X_L [T,D] → the final norm [T,D]. */
  finalNorm(x: A, T: number): A;
  /** Normed hidden [T,D] → logits [T,V] (lm_head read on first call). */
  head(x: A, T: number): A;
  /** Reads and builds block i (its own tensors only). */
  loadBlock(i: number): Block<A>;
  /** Drops the cached embedding table (read again if `embed` is called later). */
  releaseEmbed?(): void;
}
