/**
 * Rotary position embedding (Su et al., 2021) in the Hugging Face `rotate_half` layout: the
 * pair rotated together is (x[i], x[i + Hd/2]), not llama2.c's interleaved (x[2i], x[2i+1]).
 * Checkpoints converted to Hugging Face format have their q_proj/k_proj rows permuted to match.
 *
 * @module
 */
/**
 * A RoPE scaling block as transformers reads it: `rope_scaling` (v4, kind in `rope_type` or the
 * older `type`) or `rope_parameters` (v5). Field names and meanings as in transformers'
 * `src/transformers/modeling_rope_utils.py` (the `_compute_*_parameters` functions).
 */
export interface RopeScaling {
  /** The kind, one of {@link ROPE_KINDS} (transformers ≥ 4.45 and v5). */
  rope_type?: string;
  /** The kind under its older name (used when `rope_type` is absent). */
  type?: string;
  /** Scaling factor: divides frequencies (linear, llama3), grows theta (dynamic), extends context (yarn). */
  factor?: number;
  /** llama3: wavelengths above `original_max_position_embeddings / low_freq_factor` are divided by `factor`. */
  low_freq_factor?: number;
  /** llama3: wavelengths below `original_max_position_embeddings / high_freq_factor` are kept. */
  high_freq_factor?: number;
  /** The context length of pretraining (yarn, longrope, llama3); `max_position_embeddings` when absent. */
  original_max_position_embeddings?: number;
  /** yarn and longrope: the factor on cos and sin, overriding the computed one. */
  attention_factor?: number;
  /** yarn: dimensions turning more than this often within the original context keep their frequency (default 32). */
  beta_fast?: number;
  /** yarn: dimensions turning less than this often are divided by `factor` in full; a ramp between (default 1). */
  beta_slow?: number;
  /** yarn: `get_mscale` coefficient of the attention factor's numerator (with `mscale_all_dim`). */
  mscale?: number;
  /** yarn: `get_mscale` coefficient of the attention factor's denominator. */
  mscale_all_dim?: number;
  /** yarn: round the ramp's ends to whole dimensions (default true). */
  truncate?: boolean;
  /** longrope: per-frequency divisors [Hd/2] for sequences up to the original context. */
  short_factor?: number[];
  /** longrope: per-frequency divisors [Hd/2] for longer sequences. */
  long_factor?: number[];
}

/** The RoPE kinds {@link ropeInvFreq} computes (transformers' `ROPE_INIT_FUNCTIONS` for these families). */
export const ROPE_KINDS = ["default", "linear", "dynamic", "yarn", "longrope", "llama3"] as const;

/** What a scaled RoPE needs besides its block: config.json's `max_position_embeddings` and the sequence length. */
export interface RopeContext {
  /** `max_position_embeddings` of config.json. */
  maxPositions: number;
  /** Length of the sequence being run (largest position + 1); `dynamic` and `longrope` depend on it. */
  seqLen?: number;
}

/** The kind of a scaling block: `rope_type`, else `type`, else "default". */
export function ropeKind(scaling?: RopeScaling | null): string {
  return scaling?.rope_type ?? scaling?.type ?? "default";
}

/**
 * Rotation frequencies `invFreq[i] = theta^(-2i/Hd)` for `i < Hd/2`, then adjusted by `scaling`
 * as transformers' `modeling_rope_utils.py` computes `inv_freq` (v5; each kind's function named):
 *
 * - `"linear"` (`_compute_linear_scaling_rope_parameters`): `invFreq / factor`.
 * - `"dynamic"` (`_compute_dynamic_ntk_parameters`): theta grows with the sequence,
 *   `theta · (factor · s / M - (factor - 1))^(Hd / (Hd - 2))` with `s = max(seqLen, M)`,
 *   `M = max_position_embeddings` (so nothing changes up to M).
 * - `"yarn"` (`_compute_yarn_parameters`): per dimension a blend of `invFreq / factor`
 *   (interpolation) and `invFreq` (extrapolation) along a linear ramp between the dimensions
 *   where `beta_fast` (32) and `beta_slow` (1) rotations fit in `original_max_position_embeddings`
 *   (floor/ceil unless `truncate` is false); `factor` defaults to `M / original`.
 * - `"longrope"` (`_compute_longrope_parameters`): `invFreq / ext[i]`, `ext` = `long_factor` when
 *   `seqLen > original_max_position_embeddings`, else `short_factor`.
 * - `"llama3"` (`_compute_llama3_parameters`): with wavelength `λ = 2π / invFreq`,
 *   `λ_low = original / low_freq_factor`, `λ_high = original / high_freq_factor`:
 *   `λ < λ_high` keeps `invFreq`; `λ > λ_low` gives `invFreq / factor`; in between,
 *   `s = (original / λ - low_freq_factor) / (high_freq_factor - low_freq_factor)` and
 *   `(1 - s) · invFreq / factor + s · invFreq`.
 *
 * `original` is `original_max_position_embeddings`, `M` when absent (transformers v5's
 * `standardize_rope_params` fills it so). Computed in float64 (torch keeps `inv_freq` in
 * float32; the difference is below 1e-7 relative). Configs are checked before they get here
 * (models/llama/rope.ts): a missing field is a plain Error.
 *
 * @param headDim Hd
 * @param theta   `rope_theta` (10000 for Llama 2, 500000 for Llama 3)
 * @param scaling the scaling block; null, undefined or kind "default" means none
 * @param ctx     `max_position_embeddings` and the sequence length, for the kinds that use them
 * @returns [Hd/2] inverse frequencies
 *
 * @example
 * ```ts
 * ropeInvFreq(4, 10000); // [1, 0.01]
 * ```
 */
export function ropeInvFreq(
  headDim: number,
  theta: number,
  scaling?: RopeScaling | null,
  ctx?: RopeContext,
): Float64Array {
  const half = headDim / 2;
  const kind = ropeKind(scaling);
  if (kind === "dynamic") {
    const M = need(ctx?.maxPositions, "max_position_embeddings", kind);
    const factor = field(scaling!, "factor", kind);
    const s = Math.max(ctx?.seqLen ?? M, M);
    theta = theta * Math.pow(factor * s / M - (factor - 1), headDim / (headDim - 2));
  }
  const invFreq = new Float64Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / Math.pow(theta, (2 * i) / headDim);

  switch (kind) {
    case "default":
    case "dynamic":
      return invFreq;
    case "linear": {
      const factor = field(scaling!, "factor", kind);
      for (let i = 0; i < half; i++) invFreq[i] /= factor;
      return invFreq;
    }
    case "llama3":
      return llama3(invFreq, scaling!, ctx);
    case "yarn":
      return yarn(invFreq, headDim, theta, scaling!, ctx);
    case "longrope": {
      const original = originalPositions(scaling!, ctx, kind);
      const ext = (ctx?.seqLen ?? 0) > original ? scaling!.long_factor : scaling!.short_factor;
      if (!Array.isArray(ext) || ext.length !== half) {
        throw new Error(`rope_scaling of type "longrope" needs short_factor and long_factor of length ${half}`);
      }
      for (let i = 0; i < half; i++) invFreq[i] /= ext[i];
      return invFreq;
    }
  }
  throw new Error(`Unsupported rope_scaling type "${kind}": expected one of ${ROPE_KINDS.join(", ")}`);
}

/**
 * The factor transformers multiplies cos and sin by (`attention_scaling`): 1, except for
 * `"yarn"` (`attention_factor`, else `get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim)`
 * when both are set, else `0.1 · ln(factor) + 1`) and `"longrope"` (`attention_factor`, else
 * `sqrt(1 + ln(factor) / ln(original))` for factor > 1), both as in `modeling_rope_utils.py`.
 */
export function ropeAttentionFactor(scaling: RopeScaling | null | undefined, ctx: RopeContext): number {
  const kind = ropeKind(scaling);
  if (kind !== "yarn" && kind !== "longrope") return 1;
  if (typeof scaling!.attention_factor === "number") return scaling!.attention_factor;
  const original = originalPositions(scaling!, ctx, kind);
  const factor = scaling!.factor ?? ctx.maxPositions / original;
  if (kind === "longrope") return factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original));
  const mscale = (scale: number, m = 1) => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1); // get_mscale
  const { mscale: m, mscale_all_dim: mAll } = scaling!;
  return m && mAll ? mscale(factor, m) / mscale(factor, mAll) : mscale(factor);
}

function llama3(invFreq: Float64Array, scaling: RopeScaling, ctx?: RopeContext): Float64Array {
  const kind = "llama3";
  const factor = field(scaling, "factor", kind);
  const low = field(scaling, "low_freq_factor", kind);
  const high = field(scaling, "high_freq_factor", kind);
  const oldContext = originalPositions(scaling, ctx, kind);
  const lowFreqWavelen = oldContext / low;
  const highFreqWavelen = oldContext / high;
  for (let i = 0; i < invFreq.length; i++) {
    const wavelen = (2 * Math.PI) / invFreq[i];
    if (wavelen > lowFreqWavelen) {
      invFreq[i] /= factor; // low frequencies: interpolate fully
    } else if (!(wavelen < highFreqWavelen)) {
      const smooth = (oldContext / wavelen - low) / (high - low); // medium: blend the two
      invFreq[i] = (1 - smooth) * invFreq[i] / factor + smooth * invFreq[i];
    } // high frequencies: unchanged
  }
  return invFreq;
}

/** YaRN's blend of interpolated and extrapolated frequencies (`_compute_yarn_parameters`). */
function yarn(invFreq: Float64Array, dim: number, base: number, scaling: RopeScaling, ctx?: RopeContext): Float64Array {
  const original = originalPositions(scaling, ctx, "yarn");
  const factor = scaling.factor ?? need(ctx?.maxPositions, "max_position_embeddings", "yarn") / original;
  const betaFast = scaling.beta_fast || 32, betaSlow = scaling.beta_slow || 1;
  // find_correction_dim: the dimension whose frequency makes `rotations` turns in `original` positions.
  const correctionDim = (rotations: number) =>
    (dim * Math.log(original / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
  let low = correctionDim(betaFast), high = correctionDim(betaSlow);
  if (scaling.truncate ?? true) [low, high] = [Math.floor(low), Math.ceil(high)];
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001; // linear_ramp_factor's guard against a zero-width ramp
  for (let i = 0; i < invFreq.length; i++) {
    const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
    const extrapolation = 1 - ramp; // weight of the unscaled frequency
    invFreq[i] = (invFreq[i] / factor) * (1 - extrapolation) + invFreq[i] * extrapolation;
  }
  return invFreq;
}

function originalPositions(scaling: RopeScaling, ctx: RopeContext | undefined, kind: string): number {
  return scaling.original_max_position_embeddings ?? need(ctx?.maxPositions, "original_max_position_embeddings", kind);
}

function need(v: number | undefined, name: string, kind: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new Error(`rope_scaling of type "${kind}" needs a numeric "${name}", got ${JSON.stringify(v)}`);
  }
  return v;
}

function field(scaling: RopeScaling, name: keyof RopeScaling, kind: string): number {
  return need(scaling[name] as number | undefined, name, kind);
}

/**
 * Rotates each head vector of `x` in place by its token's position, `rotate_half` convention:
 * with `half = Hd/2`, `pos = pos0 + t`, `c = cos(pos · invFreq[i])`, `s = sin(pos · invFreq[i])`,
 * for `i < half`:
 *
 *     x[i]        ← x[i] · c - x[i + half] · s
 *     x[i + half] ← x[i + half] · c + x[i] · s
 *
 * The angle, cos and sin are computed in float64 and each result is rounded once to float32.
 * `scale` multiplies cos and sin (transformers' `attention_scaling`, 1 except for YaRN and
 * LongRoPE; see {@link ropeAttentionFactor}).
 *
 * @param x        [T, nHeads*Hd] queries or keys, rotated in place
 * @param pos0     position of the first token (the KV-cache length when decoding)
 * @param invFreq  [Hd/2] from {@link ropeInvFreq}
 * @param scale    factor on cos and sin (1: a pure rotation)
 *
 * @example
 * ```ts
 * const q = new Float32Array([1, 0]); // T = 1, one head, Hd = 2
 * rope(q, 1, 1, 2, 1, ropeInvFreq(2, 10000)); // position 1: q ≈ [cos 1, sin 1]
 * ```
 */
export function rope(
  x: Float32Array,
  T: number,
  nHeads: number,
  headDim: number,
  pos0: number,
  invFreq: Float64Array,
  scale = 1,
): void {
  const half = headDim / 2;
  const rowLen = nHeads * headDim;
  for (let t = 0; t < T; t++) {
    const pos = pos0 + t;
    for (let i = 0; i < half; i++) {
      const angle = pos * invFreq[i];
      const c = scale * Math.cos(angle), s = scale * Math.sin(angle);
      for (let h = 0; h < nHeads; h++) {
        const j = t * rowLen + h * headDim + i;
        const x1 = x[j], x2 = x[j + half];
        x[j] = x1 * c - x2 * s;
        x[j + half] = x2 * c + x1 * s;
      }
    }
  }
}
