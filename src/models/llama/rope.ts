/**
 * RoPE settings of a Llama-family config.json, read the way transformers reads them, and the
 * frequency table a layer rotates with.
 *
 * Two spellings exist. transformers v4 writes `rope_theta` at the top and an optional
 * `rope_scaling` block (kind in `rope_type`, or `type` before 4.43); v5 writes one
 * `rope_parameters` block holding `rope_type`, `rope_theta` and the scaling fields, and no
 * top-level `rope_theta`. v5's `RotaryEmbeddingConfigMixin.convert_rope_params_to_dict` /
 * `standardize_rope_params` (src/transformers/modeling_rope_utils.py) merge them: the block is
 * `rope_scaling or rope_parameters`, `rope_theta` is taken from the block, else the top level,
 * else 10000, and `original_max_position_embeddings` comes from the top level (Phi-3 style),
 * else the block, else `max_position_embeddings`. We follow that, and refuse instead of guessing
 * where the two spellings disagree (a silently different θ is a different model).
 *
 * @module
 */
import { ROPE_KINDS, ropeAttentionFactor, ropeInvFreq, ropeKind, type RopeScaling } from "../../../kernels/cpu/rope.ts";
import { UserError } from "../../errors.ts";

/** A RoPE kind shortgpt computes. */
export type RopeKind = typeof ROPE_KINDS[number];

/** Resolved RoPE settings: the merged block with every default decided. */
export interface RopeConfig {
  /** How frequencies are scaled: `rope_type` (or `type`) of the block, "default" without one. */
  readonly kind: RopeKind;
  /** θ (`rope_theta`). */
  readonly theta: number;
  /** The scaling block as the kernels read it (`original_max_position_embeddings` filled in), null for "default". */
  readonly scaling: Readonly<RopeScaling> | null;
  /** `max_position_embeddings` (dynamic and YaRN use it). */
  readonly maxPositions: number;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 120) ?? String(v);

/** Fields each kind needs (transformers' `_validate_<kind>_rope_parameters` required keys, less `rope_type`). */
const REQUIRED: Record<RopeKind, readonly string[]> = {
  default: [],
  linear: ["factor"],
  dynamic: ["factor"],
  yarn: ["factor"],
  longrope: ["short_factor", "long_factor"],
  llama3: ["factor", "low_freq_factor", "high_freq_factor"],
};

/**
 * Reads the RoPE settings of `raw` (config.json). Throws a one-line {@link UserError} naming the
 * field for: an unknown kind, a missing or non-numeric field the kind needs, `rope_parameters`
 * and `rope_scaling` (or the top-level `rope_theta`) that disagree, per-layer-type RoPE blocks,
 * or a `partial_rotary_factor` other than 1.
 *
 * @param headDim     Hd (longrope factor lists have Hd/2 entries)
 * @param maxPositions `max_position_embeddings`
 */
export function resolveRope(raw: Record<string, unknown>, headDim: number, maxPositions: number): RopeConfig {
  const params = blockOf(raw, "rope_parameters"), scaling = blockOf(raw, "rope_scaling");
  if (params && scaling) {
    for (const k of Object.keys(params)) {
      if (k in scaling && show(scaling[k]) !== show(params[k])) {
        throw new UserError(
          `config.json: "rope_parameters.${k}" is ${show(params[k])} but "rope_scaling.${k}" is ${
            show(scaling[k])
          }; they must agree: keep one of the two blocks`,
        );
      }
    }
  }
  const where = scaling ? "rope_scaling" : "rope_parameters";
  const block: Json = { ...(params ?? {}), ...(scaling ?? {}) };
  if (params && Object.values(params).every(isObject) && Object.keys(params).length > 0) {
    throw new UserError(
      `config.json: "rope_parameters" holds one block per layer type (${
        Object.keys(params).join(", ")
      }); shortgpt reads one RoPE setting for all layers (Llama, Mistral, Qwen2, Baichuan)`,
    );
  }
  // θ: the block's, else the top level's; both present must agree.
  if (block.rope_theta !== undefined && raw.rope_theta !== undefined && raw.rope_theta !== null) {
    if (block.rope_theta !== raw.rope_theta) {
      throw new UserError(
        `config.json: "${where}.rope_theta" is ${show(block.rope_theta)} but "rope_theta" is ${
          show(raw.rope_theta)
        }; they must agree: fix or remove one of them`,
      );
    }
  }
  const theta = block.rope_theta ?? raw.rope_theta ?? 10000;
  if (typeof theta !== "number" || !Number.isFinite(theta) || theta <= 1) {
    throw new UserError(`config.json: "rope_theta" is ${show(theta)}; expected a number above 1 (10000 for Llama 2)`);
  }
  if (block.rope_type !== undefined && block.type !== undefined && block.rope_type !== block.type) {
    throw new UserError(
      `config.json: "${where}" has "rope_type" ${show(block.rope_type)} and "type" ${
        show(block.type)
      }; they must agree: keep "rope_type"`,
    );
  }
  const kind = ropeKind(block as RopeScaling);
  if (!(ROPE_KINDS as readonly string[]).includes(kind)) {
    throw new UserError(
      `config.json: rope type ${show(kind)} in "${where}" is not supported; shortgpt computes ${
        ROPE_KINDS.join(", ")
      } (as transformers does); no other kind is guessed`,
    );
  }
  const partial = block.partial_rotary_factor ?? raw.partial_rotary_factor;
  if (partial !== undefined && partial !== null && partial !== 1) {
    throw new UserError(
      `config.json: "partial_rotary_factor" is ${show(partial)}; shortgpt rotates whole heads (1.0) only`,
    );
  }
  const k = kind as RopeKind;
  for (const name of REQUIRED[k]) {
    const v = block[name];
    const ok = name.endsWith("_factor") && Array.isArray(v)
      ? v.length === headDim / 2 && v.every((x) => typeof x === "number" && x > 0)
      : typeof v === "number" && Number.isFinite(v) && v > 0;
    if (!ok) {
      const expected = Array.isArray(v) || name.includes("short") || name.includes("long")
        ? `a list of ${headDim / 2} positive numbers (head_dim / 2)`
        : "a positive number";
      throw new UserError(
        `config.json: "${where}.${name}" is ${
          v === undefined ? "missing" : show(v)
        }; rope type "${k}" needs ${expected}`,
      );
    }
  }
  if (k === "llama3" && !((block.high_freq_factor as number) > (block.low_freq_factor as number))) {
    throw new UserError(
      `config.json: "${where}.high_freq_factor" ${show(block.high_freq_factor)} is not above "low_freq_factor" ${
        show(block.low_freq_factor)
      }; llama3 RoPE blends between them`,
    );
  }
  if (k === "default") return Object.freeze({ kind: k, theta, scaling: null, maxPositions });
  const out: RopeScaling = { ...(block as RopeScaling), rope_type: k };
  delete out.type;
  delete (out as Json).rope_theta; // θ is `theta`
  if (k === "llama3" || k === "yarn" || k === "longrope") {
    const original = raw.original_max_position_embeddings ?? block.original_max_position_embeddings ?? maxPositions;
    if (!Number.isSafeInteger(original) || (original as number) <= 0) {
      throw new UserError(
        `config.json: "original_max_position_embeddings" is ${show(original)}; expected a positive integer`,
      );
    }
    out.original_max_position_embeddings = original as number;
  }
  for (const name of ["attention_factor", "beta_fast", "beta_slow", "mscale", "mscale_all_dim"] as const) {
    const v = out[name];
    if (v !== undefined && v !== null && (typeof v !== "number" || !Number.isFinite(v) || v < 0)) {
      throw new UserError(`config.json: "${where}.${name}" is ${show(v)}; expected a number ≥ 0`);
    }
  }
  return Object.freeze({ kind: k, theta, scaling: Object.freeze(out), maxPositions });
}

function blockOf(raw: Json, key: string): Json | null {
  const v = raw[key];
  if (v === undefined || v === null) return null;
  if (!isObject(v)) {
    throw new UserError(
      `config.json: "${key}" is ${show(v)}; expected an object such as {"rope_type": "llama3", ...} or null`,
    );
  }
  return v;
}

/**
 * The frequencies a layer rotates with. Most kinds have one table; `dynamic` and `longrope`
 * depend on the sequence length (transformers' `dynamic_rope_update` recomputes `inv_freq` from
 * the largest position in the batch), so {@link RotaryTable.at} takes it. A table is reused for
 * equal lengths, so a backend may cache its upload by identity.
 */
export class RotaryTable {
  /** Factor on cos and sin (transformers' `attention_scaling`). */
  readonly scale: number;
  readonly #cache = new Map<number, Float64Array>();
  readonly #static: Float64Array | null;

  /** The table for head dimension `headDim` = Hd under `rope` (frequencies computed now unless they vary with length). */
  constructor(readonly headDim: number, readonly rope: RopeConfig) {
    const ctx = { maxPositions: rope.maxPositions };
    this.scale = ropeAttentionFactor(rope.scaling, ctx);
    const varies = rope.kind === "dynamic" || rope.kind === "longrope";
    this.#static = varies ? null : ropeInvFreq(headDim, rope.theta, rope.scaling, ctx);
  }

  /** [Hd/2] inverse frequencies for a sequence of `seqLen` positions (pos0 + T). */
  at(seqLen: number): Float64Array {
    if (this.#static) return this.#static;
    const { kind, scaling, maxPositions } = this.rope;
    // Up to the pretraining length both kinds use their base table (dynamic: M; longrope: short_factor).
    const limit = kind === "dynamic" ? maxPositions : scaling!.original_max_position_embeddings!;
    const key = seqLen <= limit ? 0 : kind === "longrope" ? 1 : seqLen;
    let table = this.#cache.get(key);
    if (!table) {
      if (this.#cache.size > 8) this.#cache.clear();
      table = ropeInvFreq(this.headDim, this.rope.theta, scaling, { maxPositions, seqLen });
      this.#cache.set(key, table);
    }
    return table;
  }
}
