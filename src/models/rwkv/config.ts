/**
 * RWKV's config.json, resolved: {@link resolveRwkvConfig} turns the raw file into a frozen
 * {@link RwkvConfig} with every field decided, or throws a UserError naming the field.
 *
 * Two layouts are read:
 * - **BlinkDL** (RWKV-LM / ChatRWKV `.pth` names, `blocks.N.att.*`), recognised by
 *   `rwkv_version` ("4.0", "5.1", "5.2", "6.0", "7.0", rwkv.cpp's naming) with `n_layer`,
 *   `n_embd`, `dim_att`, `dim_ffn`, `n_head`/`head_size`, `ln_x_eps`, the LoRA ranks (see
 *   ../shared/models/tiny-rwkv-*\/PROVENANCE.md);
 * - **Hugging Face** `RwkvForCausalLM` (RWKV-4 only, `rwkv.blocks.N.attention.*`), recognised by
 *   `hidden_size` and no `rwkv_version`, with HF's defaults (`attention_hidden_size` = hidden,
 *   `intermediate_size` = 4·hidden, `layer_norm_epsilon` = 1e-5, `rescale_every` = 6).
 *
 * @module
 */
import { UserError } from "../../errors.ts";
import { bool, nonNegativeInt, positiveInt, positiveNumber, type RawConfig, tokenId } from "../../io/config_fields.ts";

/** Architectures, in rwkv.cpp's naming (rwkv.cpp "5.1" is ChatRWKV's "5.0"). */
const RWKV_VERSIONS = ["4.0", "5.1", "5.2", "6.0", "7.0"] as const;
export type RwkvVersion = typeof RWKV_VERSIONS[number];

/** What every version has. Legend: L layers, D = n_embd, Datt = dim_att, F = dim_ffn, V vocab. */
interface RwkvBase {
  /** Tensor names: BlinkDL's `blocks.N.att.key.weight` or HF's `rwkv.blocks.N.attention.key.weight` (v4 only). */
  readonly names: "blinkdl" | "hf";
  /** L */
  readonly numLayers: number;
  /** D, the residual width (`n_embd`, HF `hidden_size`). */
  readonly hiddenSize: number;
  /** Datt, the width of att key/value/receptance (`dim_att`, HF `attention_hidden_size`). */
  readonly attSize: number;
  /** F, the channel mix's hidden width (`dim_ffn`, HF `intermediate_size`). */
  readonly ffnSize: number;
  /** V */
  readonly vocabSize: number;
  /** eps of ln0, ln1, ln2, ln_out (`layer_norm_eps`, HF `layer_norm_epsilon`). */
  readonly layerNormEps: number;
  /**
   * fp16 trick of HF and ChatRWKV (halve X every N blocks, divide att.output/ffn.value by
   * 2^⌊i/N⌋ at load). Both store unscaled weights and the math is the same up to LayerNorm's
   * eps, so shortgpt records it and computes unscaled. 0 for BlinkDL folders.
   */
  readonly rescaleEvery: number;
  readonly tieWordEmbeddings: boolean;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
}

/** The multi-head matrix-valued state of v5+: H heads of size S, H·S = Datt. */
interface RwkvHeads {
  /** H */
  readonly numHeads: number;
  /** S (N in the RWKV-7 code) */
  readonly headSize: number;
  /** eps of the per-head GroupNorm `att.ln_x` (config `ln_x_eps`; it differs between tools, see PROVENANCE.md). */
  readonly lnXEps: number;
}

export interface RwkvConfigV4 extends RwkvBase {
  readonly version: "4.0";
}
export interface RwkvConfigV5 extends RwkvBase, RwkvHeads {
  readonly version: "5.1" | "5.2";
}
export interface RwkvConfigV6 extends RwkvBase, RwkvHeads {
  readonly version: "6.0";
  /** Rank of `time_maa_w1`/`time_maa_w2` (`time_mix_extra_dim`). */
  readonly timeMixExtraDim: number;
  /** Rank of `time_decay_w1`/`time_decay_w2` (`time_decay_extra_dim`). */
  readonly timeDecayExtraDim: number;
}
export interface RwkvConfigV7 extends RwkvBase, RwkvHeads {
  readonly version: "7.0";
  /** Ranks of the LoRAs w1/w2, a1/a2, v1/v2, g1/g2 (`d_decay_lora`, `d_aaa_lora`, `d_mv_lora`, `d_gate_lora`). */
  readonly decayLora: number;
  readonly aaaLora: number;
  readonly mvLora: number;
  readonly gateLora: number;
}

/** A resolved RWKV config: frozen, no optional fields; the version picks the variant. */
export type RwkvConfig = RwkvConfigV4 | RwkvConfigV5 | RwkvConfigV6 | RwkvConfigV7;

/**
 * Resolves `raw` (config.json of a `model_type: "rwkv"` folder).
 *
 * @example
 * ```ts
 * const cfg = resolveRwkvConfig({ model_type: "rwkv", hidden_size: 64, num_hidden_layers: 2, vocab_size: 256 });
 * cfg.version; // "4.0" (Hugging Face RwkvForCausalLM), cfg.ffnSize = 256
 * ```
 */
export function resolveRwkvConfig(raw: RawConfig): RwkvConfig {
  if (raw.model_type !== "rwkv") {
    throw new UserError(`config.json: model_type ${JSON.stringify(raw.model_type)} is not "rwkv"`);
  }
  if (raw.rwkv_version === undefined) {
    if (raw.hidden_size !== undefined || raw.num_hidden_layers !== undefined) return resolveHf(raw);
    throw new UserError(
      `config.json: an RWKV folder needs "rwkv_version" (one of ${
        RWKV_VERSIONS.join(", ")
      }, with BlinkDL tensor names) ` +
        `or the Hugging Face RwkvConfig fields "hidden_size" and "num_hidden_layers"; it has neither`,
    );
  }
  const version = parseVersion(raw.rwkv_version);
  const D = positiveInt(raw, "n_embd");
  const Datt = positiveInt(raw, "dim_att", D);
  const rescaleEvery = nonNegativeInt(raw, "rescale_every", 0);
  if (rescaleEvery !== 0) {
    throw new UserError(
      `config.json: "rescale_every" is ${rescaleEvery} in a BlinkDL-named folder, which would mean att.output and ffn.value ` +
        `weights with fp16 rescaling baked in; shortgpt reads unscaled weights (set it to 0 if they are unscaled)`,
    );
  }
  const base = {
    names: "blinkdl" as const,
    numLayers: positiveInt(raw, "n_layer"),
    hiddenSize: D,
    attSize: Datt,
    ffnSize: positiveInt(raw, "dim_ffn"),
    vocabSize: positiveInt(raw, "vocab_size"),
    layerNormEps: positiveNumber(raw, "layer_norm_eps", 1e-5),
    rescaleEvery,
    tieWordEmbeddings: bool(raw, "tie_word_embeddings", false),
    bosTokenId: tokenId(raw, "bos_token_id"),
    eosTokenId: tokenId(raw, "eos_token_id"),
  };
  if (version === "4.0") return Object.freeze({ ...base, version });
  const heads = resolveHeads(raw, Datt);
  if (version === "5.1" || version === "5.2") {
    const expected = version === "5.1" ? "per_head" : "per_channel";
    if (raw.decay_granularity !== undefined && raw.decay_granularity !== expected) {
      throw new UserError(
        `config.json: "decay_granularity" is ${
          JSON.stringify(raw.decay_granularity)
        } but rwkv_version ${version} decays ${expected}`,
      );
    }
    return Object.freeze({ ...base, ...heads, version });
  }
  if (version === "6.0") {
    return Object.freeze({
      ...base,
      ...heads,
      version,
      timeMixExtraDim: positiveInt(raw, "time_mix_extra_dim"),
      timeDecayExtraDim: positiveInt(raw, "time_decay_extra_dim"),
    });
  }
  return Object.freeze({
    ...base,
    ...heads,
    version,
    decayLora: positiveInt(raw, "d_decay_lora"),
    aaaLora: positiveInt(raw, "d_aaa_lora"),
    mvLora: positiveInt(raw, "d_mv_lora"),
    gateLora: positiveInt(raw, "d_gate_lora"),
  });
}

// Hugging Face RwkvConfig (transformers/models/rwkv/configuration_rwkv.py), RWKV-4.
function resolveHf(raw: RawConfig): RwkvConfigV4 {
  const D = positiveInt(raw, "hidden_size");
  const Datt = positiveInt(raw, "attention_hidden_size", D);
  const F = positiveInt(raw, "intermediate_size", 4 * D);
  return Object.freeze({
    version: "4.0",
    names: "hf",
    numLayers: positiveInt(raw, "num_hidden_layers"),
    hiddenSize: D,
    attSize: Datt,
    ffnSize: F,
    vocabSize: positiveInt(raw, "vocab_size"),
    layerNormEps: positiveNumber(raw, "layer_norm_epsilon", 1e-5),
    rescaleEvery: nonNegativeInt(raw, "rescale_every", 6),
    tieWordEmbeddings: bool(raw, "tie_word_embeddings", false),
    bosTokenId: tokenId(raw, "bos_token_id"),
    eosTokenId: tokenId(raw, "eos_token_id"),
  });
}

function parseVersion(v: unknown): RwkvVersion {
  // Accept the string ("5.2") or the JSON number (5.2, 4 for "4.0").
  const s = typeof v === "number" && Number.isFinite(v) ? v.toFixed(1) : v;
  if (typeof s === "string" && (RWKV_VERSIONS as readonly string[]).includes(s)) return s as RwkvVersion;
  throw new UserError(
    `config.json: "rwkv_version" is ${JSON.stringify(v)}; supported: ${RWKV_VERSIONS.join(", ")} ` +
      `(rwkv.cpp's naming: "5.1" is ChatRWKV's 5.0, per-head decay without gate; "5.2" is Eagle, "6.0" Finch, "7.0" Goose)`,
  );
}

function resolveHeads(raw: RawConfig, Datt: number): RwkvHeads {
  const hasH = raw.n_head !== undefined && raw.n_head !== null;
  const hasS = raw.head_size !== undefined && raw.head_size !== null;
  if (!hasH && !hasS) {
    throw new UserError(`config.json: RWKV ${raw.rwkv_version} needs "head_size" (or "n_head"); it has neither`);
  }
  const S = hasS ? positiveInt(raw, "head_size") : Datt / positiveInt(raw, "n_head");
  const H = hasH ? positiveInt(raw, "n_head") : Datt / S;
  if (!Number.isSafeInteger(H) || !Number.isSafeInteger(S) || H * S !== Datt) {
    throw new UserError(
      `config.json: n_head ${JSON.stringify(raw.n_head)} × head_size ${
        JSON.stringify(raw.head_size)
      } must equal dim_att ${Datt}`,
    );
  }
  if (raw.ln_x_eps === undefined || raw.ln_x_eps === null) {
    throw new UserError(
      `config.json: RWKV ${raw.rwkv_version} needs "ln_x_eps", the eps of the att.ln_x group norm ` +
        `(ChatRWKV uses 64e-5; rwkv.cpp uses 1e-5 for v5); it is missing`,
    );
  }
  return { numHeads: H, headSize: S, lnXEps: positiveNumber(raw, "ln_x_eps") };
}

/**
 * config.json of an RWKV folder whose layers were removed, made honest about its weights: the
 * rwkv.cpp conversion's `n_params` is recounted (`keptParams`, the elements of the tensors
 * written) and `expected_logits`, which describes the unpruned model's rwkv.cpp logits and a
 * file that is not copied, is dropped. Other fields describe the architecture and stay.
 *
 * @example
 * ```ts
 * import { rwkvConfigAfterRemoval } from "./config.ts";
 * rwkvConfigAfterRemoval({ n_layer: 11, n_params: 829888, expected_logits: {} }, 790000);
 * // { n_layer: 11, n_params: 790000 }
 * ```
 */
export function rwkvConfigAfterRemoval(cfg: RawConfig, keptParams: number): RawConfig {
  const { expected_logits: _stale, ...rest } = cfg;
  return "n_params" in cfg ? { ...rest, n_params: keptParams } : rest;
}

/**
 * Whether Hugging Face transformers can load this RWKV folder: its `RwkvForCausalLM` reads
 * RWKV-4 with its own tensor names (`rwkv.blocks.N.attention.*`) only, not BlinkDL's names
 * (`blocks.N.att.*`) nor RWKV-5, 6 or 7.
 */
export function transformersLoadsRwkv(raw: RawConfig): boolean {
  return resolveRwkvConfig(raw).names === "hf";
}
