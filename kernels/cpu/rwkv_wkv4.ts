/**
 * The RWKV-4 WKV recurrence: per channel, an exponentially decaying weighted average of the
 * past values, with a bonus `u` for the current token (Peng et al., 2023, Eq. 14-16):
 *
 *   wkv_t = (Σ_{i<t} e^{(t−1−i)·w + k_i} v_i + e^{u + k_t} v_t) / (Σ_{i<t} e^{(t−1−i)·w + k_i} + e^{u + k_t})
 *
 * with `w = −exp(time_decay)` (log-space decay, < 0) and `u = time_first`. {@link wkv4} runs it
 * as a recurrence over the state `(aa, bb, pp)`: `aa = e^{−pp} Σ e^{…} v`, `bb = e^{−pp} Σ e^{…}`,
 * `pp` the running maximum exponent, the max trick of ChatRWKV and rwkv.cpp, so no exp overflows.
 * {@link wkv4Naive} is the sum above, for tests on small values.
 *
 * @module
 */

/** The WKV-4 state of one block, per channel [C]: numerator, denominator, shared exponent. */
export interface Wkv4State {
  aa: Float64Array;
  bb: Float64Array;
  pp: Float64Array;
}

/** The state before the first token: empty sums (`pp = −1e38`, as in Hugging Face's RWKV). */
export function wkv4State(C: number): Wkv4State {
  return { aa: new Float64Array(C), bb: new Float64Array(C), pp: new Float64Array(C).fill(-1e38) };
}

/**
 * `y[t] = wkv_t` for t = 0..T−1, starting from `state` and leaving the state after token T−1 in it.
 *
 * @param y          [T, C] result
 * @param k          [T, C] keys
 * @param v          [T, C] values
 * @param time_decay [C] raw parameter; the decay used is `w = −exp(time_decay)`
 * @param time_first [C] bonus `u`, used as is
 * @param state      updated in place
 *
 * @example
 * ```ts
 * const y = new Float32Array(2);
 * const s = wkv4State(1);
 * wkv4(y, new Float32Array([0, 0]), new Float32Array([1, 3]), new Float32Array([0]), new Float32Array([0]), s, 2, 1);
 * // y = [1, 2]: token 1 averages its own value 3 (weight e^{u+k} = 1) and token 0's 1 (weight e^{0·w+k} = 1)
 * ```
 */
export function wkv4(
  y: Float32Array,
  k: Float32Array,
  v: Float32Array,
  time_decay: Float32Array,
  time_first: Float32Array,
  state: Wkv4State,
  T: number,
  C: number,
): void {
  const { aa, bb, pp } = state;
  for (let c = 0; c < C; c++) {
    const w = -Math.exp(time_decay[c]), u = time_first[c];
    let a = aa[c], b = bb[c], p = pp[c];
    for (let t = 0, i = c; t < T; t++, i += C) {
      const kt = k[i], vt = v[i];
      // output: the past (e^p·a, e^p·b) plus the current token with bonus, e^{u+k}
      let ww = u + kt;
      let q = Math.max(p, ww);
      let e1 = Math.exp(p - q), e2 = Math.exp(ww - q);
      y[i] = (e1 * a + e2 * vt) / (e1 * b + e2);
      // state: decay the past by e^w, add the current token with weight e^k
      ww = p + w;
      q = Math.max(ww, kt);
      e1 = Math.exp(ww - q), e2 = Math.exp(kt - q);
      a = e1 * a + e2 * vt;
      b = e1 * b + e2;
      p = q;
    }
    aa[c] = a, bb[c] = b, pp[c] = p;
  }
}

/** The defining sum of WKV-4 from the empty state, in float64 (overflows for large k; tests only). */
export function wkv4Naive(
  y: Float32Array,
  k: Float32Array,
  v: Float32Array,
  time_decay: Float32Array,
  time_first: Float32Array,
  T: number,
  C: number,
): void {
  for (let c = 0; c < C; c++) {
    const w = -Math.exp(time_decay[c]), u = time_first[c];
    for (let t = 0; t < T; t++) {
      let num = Math.exp(u + k[t * C + c]) * v[t * C + c], den = Math.exp(u + k[t * C + c]);
      for (let i = 0; i < t; i++) {
        const e = Math.exp((t - 1 - i) * w + k[i * C + c]);
        num += e * v[i * C + c], den += e;
      }
      y[t * C + c] = num / den;
    }
  }
}
