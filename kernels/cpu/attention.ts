/**
 * Causal scaled dot-product attention with grouped-query heads, the core of
 * `softmax(q·kᵀ / √Hd + mask) · v`, written for a KV cache: the `Tq` queries are the last `Tq` of
 * the `Tk` positions held in `k` and `v`.
 *
 * `attentionNaive` builds the full [Tq, Tk] score matrix per head, masks it and applies
 * {@link softmax}; `attention` streams over the keys once per (query row, head) with an online
 * softmax (Milakov & Gimelshein, 2018), so nothing of size Tq × Tk is ever stored.
 *
 * @module
 */
import { softmax } from "./softmax.ts";

/** Options for {@link attention}. */
export interface AttentionOptions {
  /** [H] ALiBi slopes: score(p, j) += slope_h · (j - p) (Baichuan2-13B, BLOOM). */
  alibiSlopes?: Float32Array;
  /** Sliding window (Mistral `sliding_window`): query position p sees keys j with p - window < j ≤ p. */
  window?: number;
}

/**
 * `out[i, h] = Σ_j softmax_j(q[i, h] · k[j, g] / √Hd + slope_h · (j - p)) · v[j, g]` over the keys
 * `j` visible from the query's position `p = Tk - Tq + i` (j ≤ p, and p - j < window when a window
 * is given), where query head h reads kv head `g = floor(h / (H / Hkv))`.
 *
 * One pass over the keys per (query row, head), keeping the running max `m`, the running sum
 * `l = Σ exp(s_j - m)` and the running weighted sum of values, all in float64; when a new score
 * raises the max, the sums so far are rescaled by `exp(m_old - m_new)`.
 *
 * @param out [Tq, H*Hd] result
 * @param q   [Tq, H*Hd] queries (after RoPE)
 * @param k   [Tk, Hkv*Hd] keys of positions 0..Tk-1 (after RoPE)
 * @param v   [Tk, Hkv*Hd] values
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * // one query over two keys with equal scores: the mean of the two values
 * attention(out, new Float32Array([0, 0]), new Float32Array(4), new Float32Array([1, 2, 3, 4]), 1, 2, 1, 1, 2);
 * // out = [2, 3]
 * ```
 */
export function attention(
  out: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  Tq: number,
  Tk: number,
  H: number,
  Hkv: number,
  Hd: number,
  opts?: AttentionOptions,
): void {
  checkShapes(Tq, Tk, H, Hkv);
  const group = H / Hkv;
  const scale = 1 / Math.sqrt(Hd);
  const qStride = H * Hd, kvStride = Hkv * Hd;
  const acc = new Float64Array(Hd); // running Σ exp(s_j - m) · v[j] for one (row, head)
  for (let i = 0; i < Tq; i++) {
    const p = Tk - Tq + i;
    const jStart = opts?.window !== undefined ? Math.max(0, p - opts.window + 1) : 0;
    for (let h = 0; h < H; h++) {
      const qo = i * qStride + h * Hd;
      const kvo = Math.floor(h / group) * Hd;
      const slope = opts?.alibiSlopes ? opts.alibiSlopes[h] : 0;
      let m = -Infinity, l = 0;
      acc.fill(0);
      for (let j = jStart; j <= p; j++) {
        const ko = j * kvStride + kvo;
        let dot = 0;
        for (let d = 0; d < Hd; d++) dot += q[qo + d] * k[ko + d];
        const s = dot * scale + slope * (j - p);
        if (s > m) {
          // new max: rescale what we have, this key gets weight exp(0) = 1
          const r = Math.exp(m - s);
          l = l * r + 1;
          for (let d = 0; d < Hd; d++) acc[d] = acc[d] * r + v[ko + d];
          m = s;
        } else {
          const e = Math.exp(s - m);
          l += e;
          for (let d = 0; d < Hd; d++) acc[d] += e * v[ko + d];
        }
      }
      for (let d = 0; d < Hd; d++) out[qo + d] = acc[d] / l;
    }
  }
}

/**
 * Reference for {@link attention}, same arguments: per head, `S = q·kᵀ / √Hd + alibi` as a full
 * [Tq, Tk] matrix, masked entries set to -Infinity, `P = softmax(S)` row-wise, `out = P · v`.
 */
export function attentionNaive(
  out: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  Tq: number,
  Tk: number,
  H: number,
  Hkv: number,
  Hd: number,
  opts?: AttentionOptions,
): void {
  checkShapes(Tq, Tk, H, Hkv);
  const scale = 1 / Math.sqrt(Hd);
  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / (H / Hkv)); // kv head shared by this query head
    const scores = new Float32Array(Tq * Tk); // [Tq, Tk]
    for (let i = 0; i < Tq; i++) {
      const p = Tk - Tq + i;
      for (let j = 0; j < Tk; j++) {
        const visible = j <= p && (opts?.window === undefined || p - j < opts.window);
        if (!visible) {
          scores[i * Tk + j] = -Infinity;
          continue;
        }
        let dot = 0;
        for (let d = 0; d < Hd; d++) dot += q[(i * H + h) * Hd + d] * k[(j * Hkv + g) * Hd + d];
        scores[i * Tk + j] = dot * scale + (opts?.alibiSlopes ? opts.alibiSlopes[h] * (j - p) : 0);
      }
    }
    softmax(scores, Tq, Tk);
    for (let i = 0; i < Tq; i++) {
      for (let d = 0; d < Hd; d++) {
        let sum = 0;
        for (let j = 0; j < Tk; j++) sum += scores[i * Tk + j] * v[(j * Hkv + g) * Hd + d];
        out[(i * H + h) * Hd + d] = sum;
      }
    }
  }
}

/** Throws when the head counts or the query/key lengths of an attention call do not fit. */
export function checkShapes(Tq: number, Tk: number, H: number, Hkv: number): void {
  if (H % Hkv !== 0) throw new Error(`attention: H=${H} query heads is not a multiple of Hkv=${Hkv} kv heads`);
  if (Tq > Tk) throw new Error(`attention: Tq=${Tq} queries but only Tk=${Tk} keys; queries are the last Tq keys`);
}
