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
 * gives the same bits.
 *
 * **Causal work only.** The queries go in chunks of {@link QUERY_CHUNK} rows; a chunk's products
 * stop at its last row's last visible key (keys 0 .. p_last), so the masked upper triangle is
 * mostly never computed, and `exp` runs on the visible scores only (the masked ones are set to
 * P = 0 directly). This gives the bits of the whole-matrix form (scores over all Tk keys, every
 * masked score −∞, softmax over the full row): a computed score is the same dot product, and the
 * terms left out of P · V are 0 · v, which add nothing to a float32 sum when v is finite
 * (attention_fast_test.ts checks it against that form).
 *
 * @module
 */
import { type AttentionOptions, checkShapes } from "./attention.ts";
import { FastMatmul } from "./matmul_fast.ts";

/** Query rows per chunk: a multiple of the micro-kernel's rows (FAST_ROWS = 4). */
export const QUERY_CHUNK = 32;

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
  const group = H / Hkv, scale = 1 / Math.sqrt(Hd), rowsMax = Math.min(QUERY_CHUNK, Tq);
  const qh = new Float32Array(rowsMax * Hd), kg = new Float32Array(Tk * Hd), vt = new Float32Array(Hd * Tk);
  const vtChunk = new Float32Array(Hd * Tk), s = new Float32Array(rowsMax * Tk), o = new Float32Array(rowsMax * Hd);
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
    const slope = opts?.alibiSlopes ? opts.alibiSlopes[h] : 0;
    for (let i0 = 0; i0 < Tq; i0 += QUERY_CHUNK) {
      const rows = Math.min(QUERY_CHUNK, Tq - i0);
      const keys = Tk - Tq + i0 + rows; // keys 0 .. keys−1: those the chunk's last query sees
      for (let r = 0; r < rows; r++) {
        const at = ((i0 + r) * H + h) * Hd;
        qh.set(q.subarray(at, at + Hd), r * Hd);
      }
      mm.load(qh, rows, Hd);
      mm.columns(s, kg, keys, 0, keys); // s [rows, keys]
      for (let r = 0; r < rows; r++) {
        const p = Tk - Tq + i0 + r, row = r * keys;
        const from = opts?.window === undefined ? 0 : Math.max(0, p - opts.window + 1);
        visibleSoftmax(s, row, from, p + 1, keys, scale, slope, p);
      }
      // V_gᵀ restricted to the chunk's keys: [Hd, keys]
      if (keys < Tk) { for (let d = 0; d < Hd; d++) vtChunk.set(vt.subarray(d * Tk, d * Tk + keys), d * keys); }
      mm.load(s, rows, keys);
      mm.columns(o, keys < Tk ? vtChunk : vt, Hd, 0, Hd);
      for (let r = 0; r < rows; r++) out.set(o.subarray(r * Hd, (r + 1) * Hd), ((i0 + r) * H + h) * Hd);
    }
  }
}

/**
 * One row of scores `s[row .. row+keys)` to probabilities: keys `from ≤ j < to` are visible, with
 * score s·scale + slope·(j − p); the others get P = 0. The same operations, in the same order, as
 * kernels/cpu/softmax.ts applied to the row with −∞ at the masked keys.
 */
function visibleSoftmax(
  s: Float32Array,
  row: number,
  from: number,
  to: number,
  keys: number,
  scale: number,
  slope: number,
  p: number,
): void {
  let max = -Infinity;
  for (let j = from; j < to; j++) {
    s[row + j] = s[row + j] * scale + slope * (j - p); // rounded to float32 on the store
    if (s[row + j] > max) max = s[row + j];
  }
  let sum = 0;
  for (let j = from; j < to; j++) {
    const e = Math.exp(s[row + j] - max);
    s[row + j] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let j = from; j < to; j++) s[row + j] *= inv;
  s.fill(0, row, row + from);
  s.fill(0, row + to, row + keys);
}
