/**
 * Rotary position embedding (Su et al., 2021) in the Hugging Face `rotate_half` layout: the
 * pair rotated together is (x[i], x[i + Hd/2]), not llama2.c's interleaved (x[2i], x[2i+1]).
 * Checkpoints converted to Hugging Face format have their q_proj/k_proj rows permuted to match.
 *
 * @module
 */
/**
 * `rope_scaling` from config.json. Newer configs name the kind `rope_type`, older ones `type`.
 * Fields as in transformers' `modeling_rope_utils.py`.
 */
export interface RopeScaling {
  rope_type?: string;
  type?: string;
  factor?: number;
  low_freq_factor?: number;
  high_freq_factor?: number;
  original_max_position_embeddings?: number;
}

/** The `rope_scaling` kinds {@link ropeInvFreq} knows, each with the numeric fields it reads. */
const ROPE_SCALING_FIELDS: Readonly<Record<string, readonly (keyof RopeScaling)[]>> = {
  default: [],
  linear: ["factor"],
  llama3: ["factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"],
};

/** The kind of a `rope_scaling` object: `rope_type`, else the older `type`, else `"default"`. */
function ropeScalingKind(scaling: RopeScaling): string {
  return scaling.rope_type ?? scaling.type ?? "default";
}

/**
 * Why `scaling` cannot be used, or null: an unknown kind, or a field of its kind that is not a
 * finite number. A config resolver reports this to the user; {@link ropeInvFreq} asserts it.
 */
export function ropeScalingProblem(scaling: RopeScaling): string | null {
  const kind = ropeScalingKind(scaling);
  const fields = Object.hasOwn(ROPE_SCALING_FIELDS, kind) ? ROPE_SCALING_FIELDS[kind] : undefined;
  if (!fields) {
    const known = Object.keys(ROPE_SCALING_FIELDS).map((s) => `"${s}"`).join(", ");
    return `Unsupported rope_scaling type "${kind}": expected one of ${known}`;
  }
  for (const name of fields) {
    const v = scaling[name];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      return `rope_scaling of type "${kind}" needs a numeric "${name}", got ${JSON.stringify(v)}`;
    }
  }
  return null;
}

/**
 * Rotation frequencies `invFreq[i] = theta^(-2i/Hd)` for `i < Hd/2`, then adjusted by `scaling`:
 *
 * - `"linear"`: `invFreq / factor` (position interpolation: position p acts like p / factor).
 * - `"llama3"`: as transformers' `_compute_llama3_parameters`, with wavelength `λ = 2π / invFreq`,
 *   `λ_low = original_max_position_embeddings / low_freq_factor` and
 *   `λ_high = original_max_position_embeddings / high_freq_factor`:
 *   `λ < λ_high` keeps `invFreq`; `λ > λ_low` gives `invFreq / factor`; in between,
 *   `s = (original_max_position_embeddings / λ - low_freq_factor) / (high_freq_factor - low_freq_factor)`
 *   and `(1 - s) · invFreq / factor + s · invFreq`.
 *
 * Computed in float64 (torch keeps `inv_freq` in float32; the difference is below 1e-7 relative).
 *
 * @param headDim Hd
 * @param theta   `rope_theta` from config.json (10000 for Llama 2, 500000 for Llama 3)
 * @param scaling `rope_scaling` from config.json; null, undefined or type "default" means none
 * @returns [Hd/2] inverse frequencies
 * @throws {Error} when {@link ropeScalingProblem} finds one (config resolution reports it first)
 *
 * @example
 * ```ts
 * ropeInvFreq(4, 10000); // [1, 0.01]
 * ```
 */
export function ropeInvFreq(headDim: number, theta: number, scaling?: RopeScaling | null): Float64Array {
  const half = headDim / 2;
  const invFreq = new Float64Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / Math.pow(theta, (2 * i) / headDim);

  if (!scaling) return invFreq;
  const problem = ropeScalingProblem(scaling);
  if (problem !== null) throw new Error(problem);
  const kind = ropeScalingKind(scaling);
  if (kind === "linear") {
    const factor = scaling.factor!;
    for (let i = 0; i < half; i++) invFreq[i] /= factor;
    return invFreq;
  }
  if (kind === "llama3") {
    const factor = scaling.factor!;
    const low = scaling.low_freq_factor!;
    const high = scaling.high_freq_factor!;
    const oldContext = scaling.original_max_position_embeddings!;
    const lowFreqWavelen = oldContext / low;
    const highFreqWavelen = oldContext / high;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / invFreq[i];
      if (wavelen > lowFreqWavelen) {
        invFreq[i] /= factor; // low frequencies: interpolate fully
      } else if (!(wavelen < highFreqWavelen)) {
        const smooth = (oldContext / wavelen - low) / (high - low); // medium: blend the two
        invFreq[i] = (1 - smooth) * invFreq[i] / factor + smooth * invFreq[i];
      } // high frequencies: unchanged
    }
  }
  return invFreq; // "default"
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
 *
 * @param x        [T, nHeads*Hd] queries or keys, rotated in place
 * @param pos0     position of the first token (the KV-cache length when decoding)
 * @param invFreq  [Hd/2] from {@link ropeInvFreq}
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
): void {
  const half = headDim / 2;
  const rowLen = nHeads * headDim;
  for (let t = 0; t < T; t++) {
    const pos = pos0 + t;
    for (let i = 0; i < half; i++) {
      const angle = pos * invFreq[i];
      const c = Math.cos(angle), s = Math.sin(angle);
      for (let h = 0; h < nHeads; h++) {
        const j = t * rowLen + h * headDim + i;
        const x1 = x[j], x2 = x[j + half];
        x[j] = x1 * c - x2 * s;
        x[j + half] = x2 * c + x1 * s;
      }
    }
  }
}
