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
import { ropeInvFreq } from "../../kernels/cpu/rope.ts";
import { alibiSlopes } from "../../kernels/cpu/alibi.ts";
import type { Ops } from "../backend/ops.ts";
import type { LlamaConfig } from "../io/config.ts";
import type { Block, CausalLM, ModelInfo, Run } from "./model.ts";
import type { Weights } from "./weights.ts";

/** The shapes and constants of one decoder layer (head counts may differ per layer). */
export interface LayerShape {
  D: number;
  F: number;
  H: number;
  Hkv: number;
  Hd: number;
  eps: number;
  /** RoPE inverse frequencies [Hd/2], or null under ALiBi. */
  invFreq: Float64Array | null;
  /** ALiBi slopes [H], or null under RoPE. */
  alibi: Float32Array | null;
  window: number | null;
}

/** The weights of one decoder layer, named as in `model.layers.N.*`. */
export interface LayerWeights<A> {
  input_layernorm: A; // [D]
  q_proj: A; // [H·Hd, D]
  k_proj: A; // [Hkv·Hd, D]
  v_proj: A; // [Hkv·Hd, D]
  o_proj: A; // [D, H·Hd]
  q_bias?: A; // [H·Hd]   (Qwen2)
  k_bias?: A; // [Hkv·Hd]
  v_bias?: A; // [Hkv·Hd]
  o_bias?: A; // [D]      (attention_bias)
  post_attention_layernorm: A; // [D]
  gate_proj: A; // [F, D]
  up_proj: A; // [F, D]
  down_proj: A; // [D, F]
  gate_bias?: A; // [F]   (mlp_bias)
  up_bias?: A; // [F]
  down_bias?: A; // [D]
}

interface KvCache<A> {
  k: A; // [Tk, Hkv·Hd]
  v: A; // [Tk, Hkv·Hd]
  Tk: number;
}

/** One decoder layer: X [T,D] → X' [T,D]. */
export class LlamaBlock<A> implements Block<A> {
  readonly #alibiSlopes: A | undefined;

  constructor(
    readonly ops: Ops<A>,
    readonly shape: LayerShape,
    readonly w: LayerWeights<A>,
    readonly originalIndex: number,
  ) {
    this.#alibiSlopes = shape.alibi ? ops.upload(shape.alibi) : undefined;
  }

  forward(x: A, T: number, run: Run<A>, keepState: boolean): A {
    const { ops, w } = this;
    const { D, F, H, Hkv, Hd, eps } = this.shape;

    // attention: A = ATTN(LN(X)) + X
    const h = ops.rmsnorm(x, w.input_layernorm, T, D, eps); // [T,D]
    const q = ops.linear(h, w.q_proj, T, D, H * Hd, w.q_bias); // [T,H·Hd]
    let k = ops.linear(h, w.k_proj, T, D, Hkv * Hd, w.k_bias); // [T,Hkv·Hd]
    let v = ops.linear(h, w.v_proj, T, D, Hkv * Hd, w.v_bias); // [T,Hkv·Hd]
    if (this.shape.invFreq) {
      ops.rope(q, T, H, Hd, run.pos0, this.shape.invFreq);
      ops.rope(k, T, Hkv, Hd, run.pos0, this.shape.invFreq);
    }
    let Tk = T;
    const cache = run.state.get(this) as KvCache<A> | undefined;
    if (cache) {
      k = ops.concatRows(cache.k, k, cache.Tk, T, Hkv * Hd); // [Tk,Hkv·Hd]
      v = ops.concatRows(cache.v, v, cache.Tk, T, Hkv * Hd);
      Tk = cache.Tk + T;
    }
    if (keepState) run.state.set(this, { k, v, Tk } satisfies KvCache<A>);
    const attn = ops.attention(q, k, v, T, Tk, H, Hkv, Hd, {
      alibiSlopes: this.#alibiSlopes,
      window: this.shape.window ?? undefined,
    }); // [T,H·Hd]
    const a = ops.linear(attn, w.o_proj, T, H * Hd, D, w.o_bias); // [T,D]
    ops.addInPlace(a, x, T * D); // A = attn + X

    // feed-forward: X' = FFN(LN(A)) + A
    const h2 = ops.rmsnorm(a, w.post_attention_layernorm, T, D, eps); // [T,D]
    const gate = ops.linear(h2, w.gate_proj, T, D, F, w.gate_bias); // [T,F]
    const up = ops.linear(h2, w.up_proj, T, D, F, w.up_bias); // [T,F]
    const act = ops.swiglu(gate, up, T * F); // [T,F]
    const out = ops.linear(act, w.down_proj, T, F, D, w.down_bias); // [T,D]
    ops.addInPlace(out, a, T * D); // X' = ffn + A
    return out;
  }
}

/** Shapes of layer `i` from a resolved config. */
export function layerShape(cfg: LlamaConfig, i: number): LayerShape {
  const rope = cfg.positionEmbedding === "rope";
  return {
    D: cfg.hiddenSize,
    F: cfg.intermediateSize,
    H: cfg.numHeads[i],
    Hkv: cfg.numKvHeads[i],
    Hd: cfg.headDim,
    eps: cfg.rmsNormEps,
    invFreq: rope ? ropeInvFreq(cfg.headDim, cfg.ropeTheta, cfg.ropeScaling) : null,
    alibi: rope ? null : alibiSlopes(cfg.numHeads[i]),
    window: cfg.slidingWindow,
  };
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
    this.info = Object.freeze({
      family: config.modelType,
      hiddenSize: config.hiddenSize,
      vocabSize: config.vocabSize,
      maxPositions: config.maxPositions,
      bosTokenId: config.bosTokenId,
      eosTokenId: config.eosTokenId,
    });
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
 * Loads a Llama-family model from `weights` (checkpoint names, shapes checked against the
 * config). Baichuan's fused `W_pack` [3·D, D] is split into q, k and v rows here.
 */
export function loadLlama<A>(ops: Ops<A>, cfg: LlamaConfig, weights: Weights, dir: string): LlamaModel<A> {
  const { hiddenSize: D, intermediateSize: F, vocabSize: V, headDim: Hd } = cfg;
  const up = (name: string, shape: number[]) => ops.upload(weights.get(name, shape));
  const opt = (name: string, shape: number[]) => (weights.has(name) ? up(name, shape) : undefined);
  const blocks: LlamaBlock<A>[] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    const H = cfg.numHeads[i], Hkv = cfg.numKvHeads[i];
    const p = `model.layers.${i}`;
    let q_proj: A, k_proj: A, v_proj: A;
    if (cfg.fusedQkv) {
      const pack = weights.get(`${p}.self_attn.W_pack.weight`, [(H + 2 * Hkv) * Hd, D]);
      q_proj = ops.upload(pack.subarray(0, H * Hd * D));
      k_proj = ops.upload(pack.subarray(H * Hd * D, (H + Hkv) * Hd * D));
      v_proj = ops.upload(pack.subarray((H + Hkv) * Hd * D));
    } else {
      q_proj = up(`${p}.self_attn.q_proj.weight`, [H * Hd, D]);
      k_proj = up(`${p}.self_attn.k_proj.weight`, [Hkv * Hd, D]);
      v_proj = up(`${p}.self_attn.v_proj.weight`, [Hkv * Hd, D]);
    }
    const bias = (name: string, n: number, required: boolean) =>
      required ? up(`${p}.${name}.bias`, [n]) : opt(`${p}.${name}.bias`, [n]);
    const w: LayerWeights<A> = {
      input_layernorm: up(`${p}.input_layernorm.weight`, [D]),
      q_proj,
      k_proj,
      v_proj,
      o_proj: up(`${p}.self_attn.o_proj.weight`, [D, H * Hd]),
      q_bias: bias("self_attn.q_proj", H * Hd, cfg.qkvBias),
      k_bias: bias("self_attn.k_proj", Hkv * Hd, cfg.qkvBias),
      v_bias: bias("self_attn.v_proj", Hkv * Hd, cfg.qkvBias),
      o_bias: bias("self_attn.o_proj", D, cfg.oBias),
      post_attention_layernorm: up(`${p}.post_attention_layernorm.weight`, [D]),
      gate_proj: up(`${p}.mlp.gate_proj.weight`, [F, D]),
      up_proj: up(`${p}.mlp.up_proj.weight`, [F, D]),
      down_proj: up(`${p}.mlp.down_proj.weight`, [D, F]),
      gate_bias: bias("mlp.gate_proj", F, cfg.mlpBias),
      up_bias: bias("mlp.up_proj", F, cfg.mlpBias),
      down_bias: bias("mlp.down_proj", D, cfg.mlpBias),
    };
    blocks.push(new LlamaBlock(ops, layerShape(cfg, i), w, i));
  }
  const embedTable = weights.get("model.embed_tokens.weight", [V, D]);
  // Tied: lm_head is embed_tokens (Hugging Face ignores a stored lm_head.weight then, and so do we).
  let head = cfg.tieWordEmbeddings ? embedTable : weights.get("lm_head.weight", [V, D]);
  if (cfg.normHead) head = normalizeRows(head, V, D);
  const embed_tokens = ops.upload(embedTable);
  const lm_head = head === embedTable ? embed_tokens : ops.upload(head);
  return new LlamaModel(ops, cfg, dir, embed_tokens, blocks, up("model.norm.weight", [D]), lm_head);
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
