/**
 * The Llama family (Llama 2/3, Mistral, Qwen2, Baichuan): the paper's Eq. 1,
 *
 *   A  = ATTN(LN(X)) + X          (self-attention sub-layer)
 *   X' = FFN(LN(A))  + A          (SwiGLU feed-forward sub-layer)
 *
 * with LN = RMSNorm, RoPE (or ALiBi) positions, grouped-query attention and
 * FFN(h) = down_proj(silu(gate_proj(h)) ⊙ up_proj(h)). Weight fields carry the checkpoint's
 * names (`q_proj`, `input_layernorm`, ...).
 *
 * @module
 */
import { alibiSlopes } from "../../../kernels/cpu/alibi.ts";
import { isPacked, type Ops, type PackedWeight } from "../../backend/ops.ts";
import { type GptqConfig, isPackedLinear, readGptqLinear } from "../gptq.ts";
import type { LlamaConfig } from "./config.ts";
import { RotaryTable } from "./rope.ts";
import type { Block, CausalLM, ModelInfo, ModelParts, Run } from "../model.ts";
import { scoped, type Weights } from "../weights.ts";

/** The shapes and constants of one decoder layer (head counts may differ per layer). */
export interface LayerShape {
  /** Hidden size. */
  D: number;
  /** MLP (intermediate) size. */
  F: number;
  /** Query heads of this layer. */
  H: number;
  /** Key/value heads of this layer (divides H). */
  Hkv: number;
  /** Head dim. */
  Hd: number;
  /** ε of both RMSNorms. */
  eps: number;
  /** RoPE frequencies (per sequence length) and cos/sin factor, or null under ALiBi. */
  rope: RotaryTable | null;
  /** ALiBi slopes [H], or null under RoPE. */
  alibi: Float32Array | null;
  /** Sliding attention window in tokens, or null for full causal attention. */
  window: number | null;
}

/** A linear layer's weight [N, K]: floats, or packed GPTQ codes dequantized inside the matmul. */
export type LinearWeight<A> = A | PackedWeight;

/** The weights of one decoder layer, named as in `model.layers.N.*`. */
export interface LayerWeights<A> {
  /** RMSNorm weight before attention [D]. */
  input_layernorm: A;
  /** [H·Hd, D] */
  q_proj: LinearWeight<A>;
  /** [Hkv·Hd, D] */
  k_proj: LinearWeight<A>;
  /** [Hkv·Hd, D] */
  v_proj: LinearWeight<A>;
  /** [D, H·Hd] */
  o_proj: LinearWeight<A>;
  /** [H·Hd] (Qwen2, `attention_bias`) */
  q_bias?: A;
  /** [Hkv·Hd] */
  k_bias?: A;
  /** [Hkv·Hd] */
  v_bias?: A;
  /** [D] (`attention_bias`) */
  o_bias?: A;
  /** RMSNorm weight before the MLP [D]. */
  post_attention_layernorm: A;
  /** [F, D] */
  gate_proj: LinearWeight<A>;
  /** [F, D] */
  up_proj: LinearWeight<A>;
  /** [D, F] */
  down_proj: LinearWeight<A>;
  /** [F] (`mlp_bias`) */
  gate_bias?: A;
  /** [F] */
  up_bias?: A;
  /** [D] */
  down_bias?: A;
}

interface KvCache<A> {
  k: A; // [Tk, Hkv·Hd]
  v: A; // [Tk, Hkv·Hd]
  Tk: number;
}

/** One decoder layer: X [T,D] → X' [T,D]. */
export class LlamaBlock<A> implements Block<A> {
  readonly #alibiSlopes: A | undefined;

  /** Layer `originalIndex` of the checkpoint, its weights `w` already on `ops`. */
  constructor(
    readonly ops: Ops<A>,
    readonly shape: LayerShape,
    readonly w: LayerWeights<A>,
    readonly originalIndex: number,
  ) {
    this.#alibiSlopes = shape.alibi ? ops.upload(shape.alibi) : undefined;
  }

  /** Eq. 1: A = ATTN(LN(X)) + X, then X' = FFN(LN(A)) + A. `x` [T,D] → [T,D]. */
  forward(x: A, T: number, run: Run<A>, keepState: boolean): A {
    const { ops, w } = this;
    const { D, eps } = this.shape;
    const a = this.#attn(ops.rmsnorm(x, w.input_layernorm, T, D, eps), T, run, keepState); // [T,D]
    ops.addInPlace(a, x, T * D); // A = ATTN(LN(X)) + X
    const out = this.#mlp(ops.rmsnorm(a, w.post_attention_layernorm, T, D, eps), T); // [T,D]
    ops.addInPlace(out, a, T * D); // X' = FFN(LN(A)) + A
    this.#release(a);
    return out;
  }

  /**
   * Self-attention of the normed input `h` [T,D] → [T,D] (before the residual): RoPE on q and k,
   * the KV cache of `run` extended (and kept with `keepState`), grouped-query attention, o_proj.
   * Releases `h` and every intermediate it made.
   */
  #attn(h: A, T: number, run: Run<A>, keepState: boolean): A {
    const { ops, w } = this;
    const { D, H, Hkv, Hd, rope } = this.shape;
    const q = this.linear(h, w.q_proj, T, D, H * Hd, w.q_bias); // [T,H·Hd]
    let k = this.linear(h, w.k_proj, T, D, Hkv * Hd, w.k_bias); // [T,Hkv·Hd]
    let v = this.linear(h, w.v_proj, T, D, Hkv * Hd, w.v_bias); // [T,Hkv·Hd]
    this.#release(h);
    if (rope) {
      const invFreq = rope.at(run.pos0 + T); // [Hd/2]
      ops.rope(q, T, H, Hd, run.pos0, invFreq, rope.scale);
      ops.rope(k, T, Hkv, Hd, run.pos0, invFreq, rope.scale);
    }
    let Tk = T;
    const cache = run.state.get(this) as KvCache<A> | undefined;
    if (cache) {
      const [kNew, vNew] = [k, v];
      k = ops.concatRows(cache.k, kNew, cache.Tk, T, Hkv * Hd); // [Tk,Hkv·Hd]
      v = ops.concatRows(cache.v, vNew, cache.Tk, T, Hkv * Hd);
      Tk = cache.Tk + T;
      this.#release(kNew, vNew);
    }
    // (The replaced cache is left to the collector: a copied run may still share it.)
    if (keepState) run.state.set(this, { k, v, Tk } satisfies KvCache<A>);
    const attn = ops.attention(q, k, v, T, Tk, H, Hkv, Hd, {
      alibiSlopes: this.#alibiSlopes,
      window: this.shape.window ?? undefined,
    }); // [T,H·Hd]
    this.#release(q);
    if (!keepState) this.#release(k, v);
    const o = this.linear(attn, w.o_proj, T, H * Hd, D, w.o_bias); // [T,D]
    this.#release(attn);
    return o;
  }

  /** SwiGLU feed-forward of the normed input `h` [T,D] → [T,D]: down(silu(gate(h)) ⊙ up(h)). Releases `h`. */
  #mlp(h: A, T: number): A {
    const { ops, w } = this;
    const { D, F } = this.shape;
    const gate = this.linear(h, w.gate_proj, T, D, F, w.gate_bias); // [T,F]
    const up = this.linear(h, w.up_proj, T, D, F, w.up_bias); // [T,F]
    this.#release(h);
    const act = ops.swiglu(gate, up, T * F); // [T,F]
    this.#release(gate, up);
    const out = this.linear(act, w.down_proj, T, F, D, w.down_bias); // [T,D]
    this.#release(act);
    return out;
  }

  /** x [T,K] · wᵀ (+ bias) → [T,N], through the packed kernel when `w` is GPTQ-packed. */
  linear(x: A, w: LinearWeight<A>, T: number, K: number, N: number, bias?: A): A {
    return isPacked(w) ? this.ops.linearGptq(x, w, T, bias) : this.ops.linear(x, w, T, K, N, bias);
  }

  /** Tells a device backend these buffers are dead, so it reuses their memory now (no-op on the CPU). */
  #release(...ts: A[]): void {
    for (const t of ts) this.ops.release?.(t);
  }
}

/** Shapes of layer `i` from a resolved config. */
export function layerShape(cfg: LlamaConfig, i: number): LayerShape {
  return {
    D: cfg.hiddenSize,
    F: cfg.intermediateSize,
    H: cfg.numHeads[i],
    Hkv: cfg.numKvHeads[i],
    Hd: cfg.headDim,
    eps: cfg.rmsNormEps,
    rope: cfg.rope ? new RotaryTable(cfg.headDim, cfg.rope) : null,
    alibi: cfg.rope ? null : layerAlibiSlopes(cfg, i),
    window: cfg.layerWindows[i],
  };
}

/**
 * ALiBi slopes [H] of layer `i`: head h's slope among the layer's heads, or, after physical head
 * removal (`layer_alibi_heads`), the slope its original head had among all the model's heads.
 */
function layerAlibiSlopes(cfg: LlamaConfig, i: number): Float32Array {
  if (!cfg.alibiHeads) return alibiSlopes(cfg.numHeads[i]);
  const all = alibiSlopes(cfg.alibiHeads.total);
  return Float32Array.from(cfg.alibiHeads.heads[i], (h) => all[h]);
}

/** The family-independent facts of a Llama-family config. */
function llamaInfo(cfg: LlamaConfig): ModelInfo {
  return Object.freeze({
    family: cfg.modelType,
    hiddenSize: cfg.hiddenSize,
    vocabSize: cfg.vocabSize,
    maxPositions: cfg.maxPositions,
    bosTokenId: cfg.bosTokenId,
    eosTokenId: cfg.eosTokenId,
    eosTokenIds: cfg.eosTokenIds,
  });
}

/** A whole Llama-family model. */
export class LlamaModel<A> implements CausalLM<A> {
  readonly info: ModelInfo;
  blocks: LlamaBlock<A>[];

  constructor(
    readonly ops: Ops<A>,
    readonly config: LlamaConfig,
    readonly dir: string,
    readonly embed_tokens: A, // [V,D]
    blocks: LlamaBlock<A>[],
    readonly norm: A, // [D]
    readonly lm_head: A, // [V,D]
  ) {
    this.blocks = blocks;
    this.info = llamaInfo(config);
  }

  embed(ids: Int32Array): A {
    return this.ops.embed(this.embed_tokens, ids, this.config.hiddenSize);
  }

  finalNorm(x: A, T: number): A {
    return this.ops.rmsnorm(x, this.norm, T, this.config.hiddenSize, this.config.rmsNormEps);
  }

  head(x: A, T: number): A {
    return this.ops.linear(x, this.lm_head, T, this.config.hiddenSize, this.config.vocabSize);
  }
}

/**
 * Loads layer `i` of a Llama-family checkpoint (only that layer's tensors are read). Baichuan's
 * fused `W_pack` [(H+2·Hkv)·Hd, D] is split into q, k and v rows here.
 */
function loadLlamaBlock<A>(
  ops: Ops<A>,
  cfg: LlamaConfig,
  weights: Weights,
  i: number,
  gptq: GptqConfig | null,
): LlamaBlock<A> {
  const { hiddenSize: D, intermediateSize: F, headDim: Hd } = cfg;
  const H = cfg.numHeads[i], Hkv = cfg.numKvHeads[i];
  const get = scoped(weights, `model.layers.${i}`);
  const up = (name: string, shape: number[]) => ops.upload(get(name, shape));
  // A linear [N, K] as stored: packed when its qweight is there (GPTQ), else its float .weight.
  const linear = (name: string, N: number, K: number): LinearWeight<A> =>
    isPackedLinear(get, name, gptq)
      ? ops.uploadGptq(readGptqLinear(weights, get, name, K, N, gptq!))
      : up(`${name}.weight`, [N, K]);
  const bias = (name: string, n: number, required: boolean) =>
    required || get.has(`${name}.bias`) ? up(`${name}.bias`, [n]) : undefined;
  let q_proj: LinearWeight<A>, k_proj: LinearWeight<A>, v_proj: LinearWeight<A>;
  if (cfg.fusedQkv) {
    const pack = get("self_attn.W_pack.weight", [(H + 2 * Hkv) * Hd, D]);
    q_proj = ops.upload(pack.subarray(0, H * Hd * D));
    k_proj = ops.upload(pack.subarray(H * Hd * D, (H + Hkv) * Hd * D));
    v_proj = ops.upload(pack.subarray((H + Hkv) * Hd * D));
  } else {
    q_proj = linear("self_attn.q_proj", H * Hd, D);
    k_proj = linear("self_attn.k_proj", Hkv * Hd, D);
    v_proj = linear("self_attn.v_proj", Hkv * Hd, D);
  }
  const w: LayerWeights<A> = {
    input_layernorm: up("input_layernorm.weight", [D]),
    q_proj,
    k_proj,
    v_proj,
    o_proj: linear("self_attn.o_proj", D, H * Hd),
    q_bias: bias("self_attn.q_proj", H * Hd, cfg.qkvBias),
    k_bias: bias("self_attn.k_proj", Hkv * Hd, cfg.qkvBias),
    v_bias: bias("self_attn.v_proj", Hkv * Hd, cfg.qkvBias),
    o_bias: bias("self_attn.o_proj", D, cfg.oBias),
    post_attention_layernorm: up("post_attention_layernorm.weight", [D]),
    gate_proj: linear("mlp.gate_proj", F, D),
    up_proj: linear("mlp.up_proj", F, D),
    down_proj: linear("mlp.down_proj", D, F),
    gate_bias: bias("mlp.gate_proj", F, cfg.mlpBias),
    up_bias: bias("mlp.up_proj", F, cfg.mlpBias),
    down_bias: bias("mlp.down_proj", D, cfg.mlpBias),
  };
  return new LlamaBlock(ops, layerShape(cfg, i), w, i);
}

/** lm_head [V,D] as the model uses it: the embeddings when tied, NormHead-normalised for Baichuan 2. */
function readHead(cfg: LlamaConfig, weights: Weights, embedTable?: Float32Array): Float32Array {
  const { vocabSize: V, hiddenSize: D } = cfg;
  // Tied: lm_head is embed_tokens (Hugging Face ignores a stored lm_head.weight then, and so do we).
  const head = cfg.tieWordEmbeddings
    ? embedTable ?? weights.get("model.embed_tokens.weight", [V, D])
    : weights.get("lm_head.weight", [V, D]);
  return cfg.normHead ? normalizeRows(head, V, D) : head;
}

/** Loads a whole Llama-family model from `weights` (names and shapes checked against the config). */
export function loadLlama<A>(
  ops: Ops<A>,
  cfg: LlamaConfig,
  weights: Weights,
  dir: string,
  gptq: GptqConfig | null = null,
): LlamaModel<A> {
  const { hiddenSize: D, vocabSize: V } = cfg;
  const blocks = Array.from({ length: cfg.numLayers }, (_, i) => loadLlamaBlock(ops, cfg, weights, i, gptq));
  const embedTable = weights.get("model.embed_tokens.weight", [V, D]);
  const head = readHead(cfg, weights, embedTable);
  const embed_tokens = ops.upload(embedTable);
  const lm_head = head === embedTable ? embed_tokens : ops.upload(head);
  return new LlamaModel(
    ops,
    cfg,
    dir,
    embed_tokens,
    blocks,
    ops.upload(weights.get("model.norm.weight", [D])),
    lm_head,
  );
}

/**
 * Opens a Llama-family checkpoint part by part: each weight is read on first use, and
 * `loadBlock(i)` reads only layer i. Layer streaming holds one block at a time this way.
 */
export function openLlamaParts<A>(
  ops: Ops<A>,
  cfg: LlamaConfig,
  weights: Weights,
  dir: string,
  gptq: GptqConfig | null = null,
): ModelParts<A> {
  const { hiddenSize: D, vocabSize: V } = cfg;
  let embedTable: A | undefined, norm: A | undefined, head: A | undefined;
  return {
    info: llamaInfo(cfg),
    ops,
    dir,
    numLayers: cfg.numLayers,
    embed(ids) {
      embedTable ??= ops.upload(weights.get("model.embed_tokens.weight", [V, D]));
      return ops.embed(embedTable, ids, D);
    },
    finalNorm(x, T) {
      norm ??= ops.upload(weights.get("model.norm.weight", [D]));
      return ops.rmsnorm(x, norm, T, D, cfg.rmsNormEps);
    },
    head(x, T) {
      head ??= ops.upload(readHead(cfg, weights));
      return ops.linear(x, head, T, D, V);
    },
    loadBlock: (i) => loadLlamaBlock(ops, cfg, weights, i, gptq),
    releaseEmbed() {
      embedTable = undefined;
    },
  };
}

/** Baichuan 2's NormHead: each row of lm_head divided by its L2 norm. */
function normalizeRows(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += w[r * cols + c] * w[r * cols + c];
    const inv = 1 / Math.max(Math.sqrt(ss), 1e-12); // torch.nn.functional.normalize's eps
    for (let c = 0; c < cols; c++) out[r * cols + c] = w[r * cols + c] * inv;
  }
  return out;
}
