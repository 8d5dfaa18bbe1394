/**
 * The `fast` precision's attention: {@link attentionNaive}'s three steps, per query head, with
 * the two products on the float32 WebAssembly kernel of kernels/cpu/matmul_fast.ts:
 *
 * ```
 * S = Q_h · K_gᵀ                        [Tq, Tk]  FastMatmul: K_g [Tk, Hd] as the "weight"
 * S = S / √Hd + slope_h · (j − p),  −∞ where key j is not visible from position p
 * P = softmax(S) row by row             (kernels/cpu/softmax.ts)
 * O_h = P · V_g                         [Tq, Hd]  FastMatmul: V_gᵀ [Hd, Tk] as the "weight"
 * ```
 *
 * Query head h reads kv head g = ⌊h / (H / Hkv)⌋; query i sits at position p = Tk − Tq + i.
 * Every head is computed whole, by one call, in a fixed order, so splitting heads over threads
 * gives the same bits. The products run over all Tk keys (the masked ones have P = 0): twice the
 * multiply-adds of a causal loop, at ten times its rate (docs/performance.md, "Precision").
 *
 * @module
 */
import { type AttentionOptions, checkShapes } from "./attention.ts";
import { FastMatmul } from "./matmul_fast.ts";
import { softmax } from "./softmax.ts";

/**
 * Heads `h0 ≤ h < h1` of causal grouped-query attention, float32 products (see the module
 * comment); `mm` is this thread's kernel instance.
 *
 * @param out [Tq, H·Hd] result; only heads h0..h1-1 are written
 * @param q   [Tq, H·Hd] queries
 * @param k   [Tk, Hkv·Hd] keys
 * @param v   [Tk, Hkv·Hd] values
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * const q = new Float32Array([1, 0]), k = new Float32Array([1, 0]), v = new Float32Array([3, 4]);
 * attentionFastHeads(out, q, k, v, 1, 1, 1, 1, 2, 0, 1); // one key: out = v = [3, 4]
 * ```
 */
export function attentionFastHeads(
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
  mm: FastMatmul = new FastMatmul(),
): void {
  checkShapes(Tq, Tk, H, Hkv);
  const group = H / Hkv, scale = 1 / Math.sqrt(Hd);
  const qh = new Float32Array(Tq * Hd), kg = new Float32Array(Tk * Hd), vt = new Float32Array(Hd * Tk);
  const s = new Float32Array(Tq * Tk), o = new Float32Array(Tq * Hd);
  let loaded = -1;
  for (let h = h0; h < h1; h++) {
    const g = Math.floor(h / group);
    if (g !== loaded) {
      // K_g [Tk, Hd] and V_gᵀ [Hd, Tk], the kernel's "weights" [N, K]
      for (let j = 0; j < Tk; j++) {
        const src = (j * Hkv + g) * Hd;
        kg.set(k.subarray(src, src + Hd), j * Hd);
        for (let d = 0; d < Hd; d++) vt[d * Tk + j] = v[src + d];
      }
      loaded = g;
    }
    for (let i = 0; i < Tq; i++) qh.set(q.subarray((i * H + h) * Hd, (i * H + h + 1) * Hd), i * Hd);
    mm.load(qh, Tq, Hd);
    mm.columns(s, kg, Tk, 0, Tk);
    const slope = opts?.alibiSlopes ? opts.alibiSlopes[h] : 0;
    for (let i = 0; i < Tq; i++) {
      const p = Tk - Tq + i, row = i * Tk;
      for (let j = 0; j < Tk; j++) {
        const visible = j <= p && (opts?.window === undefined || p - j < opts.window);
        s[row + j] = visible ? s[row + j] * scale + slope * (j - p) : -Infinity;
      }
    }
    softmax(s, Tq, Tk);
    mm.load(s, Tq, Tk);
    mm.columns(o, vt, Hd, 0, Hd);
    for (let i = 0; i < Tq; i++) out.set(o.subarray(i * Hd, (i + 1) * Hd), (i * H + h) * Hd);
  }
}
