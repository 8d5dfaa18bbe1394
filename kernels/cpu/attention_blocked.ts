/**
 * {@link attention} made faster without changing a bit of its result: the same online softmax
 * over the same scores in the same order, with the scores of four keys computed at once.
 *
 * In {@link attention} each score `q[i, h] · k[j, g]` is one chain of `Hd` dependent additions,
 * so the CPU waits on the adder's latency at every step. Here four keys are walked together with
 * four independent sums (each still adding `d = 0..Hd-1` in order, so each score is the same
 * float64 value), written to a small buffer, and the online softmax then consumes them in key
 * order exactly as {@link attention} does, except that when none of the next four keys raises the
 * running max, their values are added to the accumulator in one pass over it (still in key order:
 * `((acc + e0·v0) + e1·v1) + ...`, the same roundings). {@link attentionHeads} computes a range of
 * heads, which is how the CPU backend shares attention out between threads (heads are
 * independent).
 *
 * @module
 */
import type { AttentionOptions } from "./attention.ts";

/**
 * Same arguments and result as {@link attention} (bit for bit): causal grouped-query attention,
 * `out[i, h] = Σ_j softmax_j(q[i, h] · k[j, g] / √Hd + slope_h · (j - p)) · v[j, g]`.
 *
 * @param out [Tq, H*Hd] result
 * @param q   [Tq, H*Hd] queries (after RoPE)
 * @param k   [Tk, Hkv*Hd] keys of positions 0..Tk-1 (after RoPE)
 * @param v   [Tk, Hkv*Hd] values
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * attentionBlocked(out, new Float32Array([0, 0]), new Float32Array(4), new Float32Array([1, 2, 3, 4]), 1, 2, 1, 1, 2);
 * // out = [2, 3]
 * ```
 */
export function attentionBlocked(
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
  attentionHeads(out, q, k, v, Tq, Tk, H, Hkv, Hd, 0, H, opts);
}

/**
 * Heads `h0 ≤ h < h1` of {@link attentionBlocked}; the other heads' columns of `out` are left
 * untouched.
 */
export function attentionHeads(
  out: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  Tq: number,
  Tk: number,
  H: number,
  Hkv: number,
  Hd: number,
  h0: number,
  h1: number,
  opts?: AttentionOptions,
): void {
  if (H % Hkv !== 0) throw new Error(`attention: H=${H} query heads is not a multiple of Hkv=${Hkv} kv heads`);
  if (Tq > Tk) throw new Error(`attention: Tq=${Tq} queries but only Tk=${Tk} keys; queries are the last Tq keys`);
  const group = H / Hkv;
  const scale = 1 / Math.sqrt(Hd);
  const qStride = H * Hd, kvStride = Hkv * Hd;
  const acc = new Float64Array(Hd); // running Σ exp(s_j - m) · v[j] for one (row, head)
  const dots = new Float64Array(Tk); // q · k[j] for the visible keys of one (row, head)
  for (let i = 0; i < Tq; i++) {
    const p = Tk - Tq + i;
    const jStart = opts?.window !== undefined ? Math.max(0, p - opts.window + 1) : 0;
    for (let h = h0; h < h1; h++) {
      const qo = i * qStride + h * Hd;
      const kvo = Math.floor(h / group) * Hd;
      const slope = opts?.alibiSlopes ? opts.alibiSlopes[h] : 0;

      // scores: four keys at a time, each dot product summed over d in order
      let j = jStart;
      for (; j + 4 <= p + 1; j += 4) {
        const k0 = j * kvStride + kvo, k1 = k0 + kvStride, k2 = k1 + kvStride, k3 = k2 + kvStride;
        let d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        for (let d = 0; d < Hd; d++) {
          const a = q[qo + d];
          d0 += a * k[k0 + d], d1 += a * k[k1 + d], d2 += a * k[k2 + d], d3 += a * k[k3 + d];
        }
        dots[j] = d0, dots[j + 1] = d1, dots[j + 2] = d2, dots[j + 3] = d3;
      }
      for (; j <= p; j++) {
        const ko = j * kvStride + kvo;
        let dot = 0;
        for (let d = 0; d < Hd; d++) dot += q[qo + d] * k[ko + d];
        dots[j] = dot;
      }

      // online softmax over the keys in order, as in attention(); four keys at a time when none of
      // them raises the running max, so acc is read and written once for four keys (the additions
      // still happen in key order: ((acc + e0·v0) + e1·v1) + ...)
      let m = -Infinity, l = 0;
      acc.fill(0);
      for (j = jStart; j <= p;) {
        if (j + 4 <= p + 1) {
          const s0 = dots[j] * scale + slope * (j - p), s1 = dots[j + 1] * scale + slope * (j + 1 - p);
          const s2 = dots[j + 2] * scale + slope * (j + 2 - p), s3 = dots[j + 3] * scale + slope * (j + 3 - p);
          if (!(s0 > m || s1 > m || s2 > m || s3 > m)) {
            const e0 = Math.exp(s0 - m), e1 = Math.exp(s1 - m), e2 = Math.exp(s2 - m), e3 = Math.exp(s3 - m);
            l += e0, l += e1, l += e2, l += e3;
            const v0 = j * kvStride + kvo, v1 = v0 + kvStride, v2 = v1 + kvStride, v3 = v2 + kvStride;
            for (let d = 0; d < Hd; d++) {
              acc[d] = acc[d] + e0 * v[v0 + d] + e1 * v[v1 + d] + e2 * v[v2 + d] + e3 * v[v3 + d];
            }
            j += 4;
            continue;
          }
        }
        // one key, exactly as attention() does it
        const vo = j * kvStride + kvo;
        const s = dots[j] * scale + slope * (j - p);
        if (s > m) {
          // new max: rescale what we have, this key gets weight exp(0) = 1
          const r = Math.exp(m - s);
          l = l * r + 1;
          for (let d = 0; d < Hd; d++) acc[d] = acc[d] * r + v[vo + d];
          m = s;
        } else {
          const e = Math.exp(s - m);
          l += e;
          for (let d = 0; d < Hd; d++) acc[d] += e * v[vo + d];
        }
        j++;
      }
      for (let d = 0; d < Hd; d++) out[qo + d] = acc[d] / l;
    }
  }
}
