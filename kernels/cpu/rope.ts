/**
 * Rotary position embedding (Su et al., 2021) in the Hugging Face `rotate_half` layout: the
 * pair rotated together is (x[i], x[i + Hd/2]), not llama2.c's interleaved (x[2i], x[2i+1]).
 * Checkpoints converted to Hugging Face format have their q_proj/k_proj rows permuted to match.
 *
 * @module
 */
import { UserError } from "../../src/errors.ts";

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

const SUPPORTED = ["default", "linear", "llama3"];

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
 * @throws {UserError} for a rope type other than "default", "linear" or "llama3", or a missing field
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
  const kind = scaling.rope_type ?? scaling.type ?? "default";
  if (kind === "default") return invFreq;
  if (kind === "linear") {
    const factor = field(scaling, "factor", kind);
    for (let i = 0; i < half; i++) invFreq[i] /= factor;
    return invFreq;
  }
  if (kind === "llama3") {
    const factor = field(scaling, "factor", kind);
    const low = field(scaling, "low_freq_factor", kind);
    const high = field(scaling, "high_freq_factor", kind);
    const oldContext = field(scaling, "original_max_position_embeddings", kind);
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
    return invFreq;
  }
  throw new UserError(
    `Unsupported rope_scaling type "${kind}": expected one of ${SUPPORTED.map((s) => `"${s}"`).join(", ")}`,
  );
}

function field(scaling: RopeScaling, name: keyof RopeScaling, kind: string): number {
  const v = scaling[name];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new UserError(`rope_scaling of type "${kind}" needs a numeric "${name}", got ${JSON.stringify(v)}`);
  }
  return v;
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
