/**
 * The Llama family's `config.json`: {@link RawLlamaConfig} mirrors the file (optional fields and all);
 * {@link resolveLlamaConfig} returns a frozen {@link LlamaConfig} with every default decided,
 * after checking the numbers make sense.
 *
 * @module
 */
import type { RopeScaling } from "../../../kernels/cpu/rope.ts";
import { UserError } from "../../errors.ts";
import {
  bool,
  nonNegativeInt,
  positiveInt,
  positiveNumber,
  type RawConfig,
  tokenId,
  tokenIds,
} from "../../io/config_fields.ts";
import type { GenerationConfig } from "../../io/generation_config.ts";
import { resolveRope, type RopeConfig } from "./rope.ts";

/** The `model_type`s of the Llama family (config.json). The registry, src/models/load.ts, knows the others. */
export const TRANSFORMER_TYPES = ["llama", "mistral", "qwen2", "baichuan"] as const;
/** One of {@link TRANSFORMER_TYPES}. */
export type TransformerType = typeof TRANSFORMER_TYPES[number];

/** The most layers a config may declare (the largest released models have a few hundred). */
const MAX_LAYERS = 65536;

/** config.json of a Llama-family model as Hugging Face writes it, plus the fields shortgpt adds. Everything is optional. */
export interface RawLlamaConfig extends RawConfig {
  /** D, the width of the residual stream. */
  hidden_size?: number;
  /** F, the width of the MLP's gate and up projections. */
  intermediate_size?: number;
  /** L, the number of decoder layers. */
  num_hidden_layers?: number;
  /** H, query heads per layer. */
  num_attention_heads?: number;
  /** Hkv, key/value heads per layer (grouped-query attention); H when absent. */
  num_key_value_heads?: number;
  /** Hd; D / H when absent. */
  head_dim?: number;
  /** The MLP's activation; only `silu` (alias `swish`) is supported, the default. */
  hidden_act?: string;
  /** ε of RMSNorm (default 1e-6). */
  rms_norm_eps?: number;
  /** RoPE base θ (10000 for Llama 2, 500000 for Llama 3). */
  rope_theta?: number;
  /** RoPE scaling block of transformers v4 (see {@link RopeScaling}); null or absent: none. */
  rope_scaling?: RopeScaling | null;
  /** transformers v5: `rope_type`, `rope_theta` and the scaling fields in one block (see rope.ts). */
  rope_parameters?: (RopeScaling & { rope_theta?: number }) | null;
  /** Per layer `"full_attention"` or `"sliding_attention"` (transformers ≥ 4.53 writes it for Qwen2). */
  layer_types?: string[];
  /** Qwen2: layers from this index on use the sliding window (when `use_sliding_window`). */
  max_window_layers?: number;
  /** Positions the model was trained for. */
  max_position_embeddings?: number;
  /** Used for the position limit when `max_position_embeddings` is absent (else 4096). */
  model_max_length?: number;
  /** lm_head shares the embedding table (default false). */
  tie_word_embeddings?: boolean;
  /** q/k/v/o projections carry biases (default false; Qwen2 always has q/k/v biases). */
  attention_bias?: boolean;
  /** gate/up/down projections carry biases (default false). */
  mlp_bias?: boolean;
  /** Mistral, Qwen2: attention window in tokens (default 4096); null or 0: full attention. */
  sliding_window?: number | null;
  /** Qwen2: whether `sliding_window` applies at all (default false). */
  use_sliding_window?: boolean;
  /** Per-layer query head counts after head removal (written by `prune-heads`). */
  layer_num_attention_heads?: number[];
  /** Per-layer key/value head counts after head removal (written by `prune-heads`). */
  layer_num_key_value_heads?: number[];
  /**
   * ALiBi models after physical head removal (written by `prune-heads`): per layer, the index each
   * head had among the `num_attention_heads` heads of the original model, whose slope it keeps.
   */
  layer_alibi_heads?: number[][];
  /** Baichuan: `"rope"` or `"alibi"`; overrides the detection rule (see {@link resolveLlamaConfig}). */
  position_embedding?: string;
  /** Baichuan 2's normalised output head; defaults to true for `baichuan`. */
  norm_head?: boolean;
}

/** A resolved transformer config: no optional fields, frozen. */
export interface LlamaConfig {
  /** config.json's `model_type`. */
  readonly modelType: TransformerType;
  /** D */
  readonly hiddenSize: number;
  /** F */
  readonly intermediateSize: number;
  /** L */
  readonly numLayers: number;
  /** V */
  readonly vocabSize: number;
  /** Hd */
  readonly headDim: number;
  /** H per layer (length L). */
  readonly numHeads: readonly number[];
  /** Hkv per layer (length L). */
  readonly numKvHeads: readonly number[];
  /**
   * ALiBi after head removal: per layer, each head's index among the `total` =
   * `num_attention_heads` heads of the original model (its slope is that head's slope); null:
   * head h has slope h of the layer's own head count.
   */
  readonly alibiHeads: { readonly total: number; readonly heads: readonly (readonly number[])[] } | null;
  /** ε of RMSNorm. */
  readonly rmsNormEps: number;
  /** Rotary embeddings, or ALiBi (Baichuan2-13B). */
  readonly positionEmbedding: "rope" | "alibi";
  /** RoPE settings (θ, kind, scaling fields), null under ALiBi. */
  readonly rope: RopeConfig | null;
  /** Positions the model was trained for (`max_position_embeddings`, else `model_max_length`, else 4096). */
  readonly maxPositions: number;
  /** lm_head is the embedding table. */
  readonly tieWordEmbeddings: boolean;
  /** q/k/v projections carry a bias (Qwen2, or `attention_bias`). */
  readonly qkvBias: boolean;
  /** o_proj carries a bias (`attention_bias` on Llama). */
  readonly oBias: boolean;
  /** gate/up/down projections carry biases (`mlp_bias`). */
  readonly mlpBias: boolean;
  /** Per layer (length L): its sliding attention window in tokens, or null for full causal attention. */
  readonly layerWindows: readonly (number | null)[];
  /** Fused q/k/v in `W_pack` (Baichuan). */
  readonly fusedQkv: boolean;
  /** Rows of lm_head divided by their norm (Baichuan 2's NormHead). */
  readonly normHead: boolean;
  /** Beginning-of-sequence id, null when none. */
  readonly bosTokenId: number | null;
  /** The first end-of-sequence id (null when none). */
  readonly eosTokenId: number | null;
  /** Every end-of-sequence id (`eos_token_id` may be a list, e.g. Llama 3 Instruct's [128001, 128008, 128009]). */
  readonly eosTokenIds: readonly number[];
}

function perLayer(raw: RawLlamaConfig, key: string, L: number, fallback: number): number[] {
  const list = raw[key];
  if (list === undefined || list === null) return Array(L).fill(fallback);
  if (!Array.isArray(list) || list.length !== L || !list.every((n) => Number.isSafeInteger(n) && n > 0)) {
    throw new UserError(
      `config.json: "${key}" is ${JSON.stringify(list)}; expected ${L} positive integers, one per layer`,
    );
  }
  return list;
}

/** `layer_alibi_heads`, checked: per layer, numHeads[l] distinct indices in [0, H). */
function alibiHeadsOf(raw: RawLlamaConfig, numHeads: readonly number[], H: number): LlamaConfig["alibiHeads"] {
  const list = raw.layer_alibi_heads;
  if (list === undefined || list === null) return null;
  const ok = Array.isArray(list) && list.length === numHeads.length &&
    list.every((heads, l) =>
      Array.isArray(heads) && heads.length === numHeads[l] && new Set(heads).size === heads.length &&
      heads.every((h) => Number.isSafeInteger(h) && h >= 0 && h < H)
    );
  if (!ok) {
    throw new UserError(
      `config.json: "layer_alibi_heads" is ${
        JSON.stringify(list).slice(0, 200)
      }; expected one list per layer of that ` +
        `layer's head count, of distinct head indices below num_attention_heads ${H}`,
    );
  }
  return Object.freeze({ total: H, heads: Object.freeze(list.map((heads) => Object.freeze([...heads]))) });
}

/**
 * Resolves a transformer config. Position encoding: RoPE, except Baichuan folders with no
 * `max_position_embeddings` and no `rope_theta` (Baichuan2-13B's config has neither; the 7B's
 * has `max_position_embeddings`), which use ALiBi; `"position_embedding": "rope"|"alibi"` in
 * config.json overrides the rule. End-of-sequence ids come from `gen` (generation_config.json)
 * when it gives them, as transformers' `generate()` does, else from config.json.
 */
export function resolveLlamaConfig(raw: RawLlamaConfig, gen?: GenerationConfig | null): LlamaConfig {
  const modelType = raw.model_type;
  if (!TRANSFORMER_TYPES.includes(modelType as TransformerType)) {
    throw new UserError(
      `config.json: model_type ${JSON.stringify(modelType)} is not supported; supported: ${
        TRANSFORMER_TYPES.join(", ")
      }`,
    );
  }
  const type = modelType as TransformerType;
  const D = positiveInt(raw, "hidden_size");
  const L = positiveInt(raw, "num_hidden_layers");
  if (L > MAX_LAYERS) {
    // Per-layer lists are built from L before any tensor is read: refuse an absurd count here.
    throw new UserError(
      `config.json: "num_hidden_layers" is ${L}; shortgpt reads models of at most ${MAX_LAYERS} layers`,
    );
  }
  const H = positiveInt(raw, "num_attention_heads");
  const Hkv = positiveInt(raw, "num_key_value_heads", H);
  const headDim = raw.head_dim === undefined || raw.head_dim === null ? D / H : positiveInt(raw, "head_dim");
  if (!Number.isSafeInteger(headDim)) {
    throw new UserError(
      `config.json: hidden_size ${D} is not divisible by num_attention_heads ${H}; give an explicit "head_dim"`,
    );
  }
  const numHeads = perLayer(raw, "layer_num_attention_heads", L, H);
  const numKvHeads = perLayer(raw, "layer_num_key_value_heads", L, Hkv);
  numHeads.forEach((h, i) => {
    if (h % numKvHeads[i] === 0) return;
    throw new UserError(
      raw.layer_num_attention_heads || raw.layer_num_key_value_heads
        ? `config.json: layer ${i} has ${h} attention heads and ${
          numKvHeads[i]
        } key/value heads; kv heads must divide heads`
        : `config.json: num_attention_heads ${H} is not a multiple of num_key_value_heads ${Hkv}; kv heads must divide heads`,
    );
  });
  const act = raw.hidden_act ?? "silu";
  if (act !== "silu" && act !== "swish") {
    throw new UserError(
      `config.json: hidden_act ${JSON.stringify(act)} is not supported; Llama-family MLPs use "silu"`,
    );
  }
  let positionEmbedding: "rope" | "alibi" = "rope";
  if (raw.position_embedding !== undefined) {
    if (raw.position_embedding !== "rope" && raw.position_embedding !== "alibi") {
      throw new UserError(
        `config.json: position_embedding "${raw.position_embedding}" is unknown; use "rope" or "alibi"`,
      );
    }
    positionEmbedding = raw.position_embedding;
  } else if (
    type === "baichuan" && raw.max_position_embeddings === undefined && raw.rope_theta === undefined &&
    raw.rope_parameters === undefined
  ) {
    positionEmbedding = "alibi";
  }
  const alibiHeads = alibiHeadsOf(raw, numHeads, H);
  if (alibiHeads && positionEmbedding !== "alibi") {
    throw new UserError(`config.json: "layer_alibi_heads" is given but the model uses ${positionEmbedding}, not ALiBi`);
  }
  if (positionEmbedding === "rope" && headDim % 2 !== 0) {
    throw new UserError(`config.json: head_dim ${headDim} is odd; rotary position embeddings need an even head_dim`);
  }
  const eos = gen?.eosTokenIds ?? tokenIds(raw, "eos_token_id");
  const maxPositions = raw.max_position_embeddings !== undefined && raw.max_position_embeddings !== null
    ? positiveInt(raw, "max_position_embeddings")
    : Number.isSafeInteger(raw.model_max_length) && (raw.model_max_length as number) > 0
    ? raw.model_max_length as number
    : 4096;
  return Object.freeze({
    modelType: type,
    hiddenSize: D,
    intermediateSize: positiveInt(raw, "intermediate_size"),
    numLayers: L,
    vocabSize: positiveInt(raw, "vocab_size"),
    headDim,
    numHeads: Object.freeze(numHeads),
    numKvHeads: Object.freeze(numKvHeads),
    alibiHeads,
    rmsNormEps: positiveNumber(raw, "rms_norm_eps", 1e-6),
    positionEmbedding,
    rope: positionEmbedding === "rope" ? resolveRope(raw, headDim, maxPositions) : null,
    maxPositions,
    tieWordEmbeddings: bool(raw, "tie_word_embeddings", false),
    qkvBias: type === "qwen2" || bool(raw, "attention_bias", false),
    oBias: type !== "qwen2" && bool(raw, "attention_bias", false),
    mlpBias: bool(raw, "mlp_bias", false),
    layerWindows: Object.freeze(layerWindows(raw, type, L)),
    fusedQkv: type === "baichuan",
    normHead: type === "baichuan" && bool(raw, "norm_head", true),
    bosTokenId: tokenId(raw, "bos_token_id"),
    eosTokenId: eos[0] ?? null,
    eosTokenIds: Object.freeze(eos),
  });
}

/** The attention types transformers' `layer_type_validation` accepts that these families use. */
const LAYER_TYPES = ["full_attention", "sliding_attention"];

/**
 * Each layer's sliding window (null: full attention), as each family's transformers code decides:
 *
 * - Mistral (`MistralConfig`, `MistralAttention`): `sliding_window` on every layer; absent means
 *   4096 (the config class's default), null means none.
 * - Qwen2 (`Qwen2Config`, transformers ≥ 4.53): the window is `sliding_window` (default 4096) only
 *   when `use_sliding_window`; `layer_types` names each layer's kind, and when absent layer
 *   i ≥ `max_window_layers` (default 28) is `"sliding_attention"` if there is a window.
 * - Llama, Baichuan: full attention everywhere (their attention has no window).
 *
 * `layer_types`, when present, must have L entries of `"full_attention"` / `"sliding_attention"`.
 */
function layerWindows(raw: RawLlamaConfig, type: TransformerType, L: number): (number | null)[] {
  const types = raw.layer_types;
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types) || types.length !== L || !types.every((t) => LAYER_TYPES.includes(t))) {
      const what = Array.isArray(types) ? `a list of ${types.length}` : JSON.stringify(types);
      throw new UserError(
        `config.json: "layer_types" is ${what.slice(0, 120)}; expected ${L} entries (num_hidden_layers), each ` +
          `${LAYER_TYPES.map((t) => `"${t}"`).join(" or ")}: fix the list or remove it`,
      );
    }
  }
  const sliding = (v: unknown): number | null => {
    if (v === null) return null;
    if (typeof v !== "number" || !Number.isSafeInteger(v)) {
      throw new UserError(
        `config.json: "sliding_window" is ${JSON.stringify(v)}; expected a whole number of tokens or null`,
      );
    }
    return v > 0 ? v : null;
  };
  if (type === "mistral") return Array(L).fill(sliding(raw.sliding_window === undefined ? 4096 : raw.sliding_window));
  if (type !== "qwen2") return Array(L).fill(null);
  const window = bool(raw, "use_sliding_window", false)
    ? sliding(raw.sliding_window === undefined ? 4096 : raw.sliding_window)
    : null;
  const firstSliding = nonNegativeInt(raw, "max_window_layers", 28);
  return Array.from({ length: L }, (_, i) => {
    const kind = types?.[i] ?? (window !== null && i >= firstSliding ? "sliding_attention" : "full_attention");
    return kind === "sliding_attention" ? window : null;
  });
}
