/**
 * RWKV's token shift: each token sees its own (normed) vector `x[t]` and the previous token's
 * `x[t-1]`, and every projection reads a learned per-channel mix of the two. The previous token
 * of the first token is the last vector of the previous call (`att_x` / `ffn_x` in the state;
 * zeros for a fresh sequence).
 *
 * Two conventions for the mix, depending on the version (see docs/rwkv.md):
 * - v4, v5.x `time_mix_*`:        `out = x ⊙ μ + prev ⊙ (1 − μ)`           ({@link timeMix})
 * - v6 `time_maa_*`, v7 `x_*`:    `out = x + (prev − x) ⊙ (μ + extra[t])`  ({@link timeMaa})
 *
 * @module
 */

/**
 * `prev[0] = last`, `prev[t] = x[t−1]`; then `last ← x[T−1]`, the shift state the next call
 * starts from.
 *
 * @param prev [T, C] result (must not alias `x`)
 * @param x    [T, C] this call's vectors (the LayerNorm output ln1(X) or ln2(A))
 * @param last [C] the vector before `x[0]`, updated in place
 *
 * @example
 * ```ts
 * const last = new Float32Array([9]);
 * const prev = new Float32Array(2);
 * tokenShift(prev, new Float32Array([1, 2]), last, 2, 1); // prev = [9, 1], last = [2]
 * ```
 */
export function tokenShift(prev: Float32Array, x: Float32Array, last: Float32Array, T: number, C: number): void {
  prev.set(last.subarray(0, C), 0);
  prev.set(x.subarray(0, (T - 1) * C), C);
  last.set(x.subarray((T - 1) * C, T * C));
}

/**
 * v4 / v5.x mix: `out[t,c] = x[t,c]·mix[c] + prev[t,c]·(1 − mix[c])` (`time_mix_k`, `_v`, `_r`, `_g`).
 *
 * @param out  [T, C] result (may alias `x`)
 * @param x    [T, C] current token
 * @param prev [T, C] previous token ({@link tokenShift})
 * @param mix  [C] `time_mix_*`
 *
 * @example
 * ```ts
 * const out = new Float32Array(1);
 * timeMix(out, new Float32Array([1]), new Float32Array([3]), new Float32Array([0.25]), 1, 1); // out = [2.5]
 * ```
 */
export function timeMix(
  out: Float32Array,
  x: Float32Array,
  prev: Float32Array,
  mix: Float32Array,
  T: number,
  C: number,
): void {
  for (let t = 0; t < T; t++) {
    for (let c = 0, i = t * C; c < C; c++, i++) out[i] = x[i] * mix[c] + prev[i] * (1 - mix[c]);
  }
}

/**
 * v6 / v7 mix: `out[t,c] = x[t,c] + (prev[t,c] − x[t,c])·(maa[c] + extra[t,c])`.
 * v6 passes its data-dependent LoRA term as `extra` (`mw`, `mk`, ... from `time_maa_w1/w2`);
 * v6's `time_maa_x` and v7's `x_r` ... `x_g` have none.
 *
 * @param out   [T, C] result (may alias `x`)
 * @param x     [T, C] current token
 * @param prev  [T, C] previous token ({@link tokenShift})
 * @param maa   [C] `time_maa_*` or `x_*`
 * @param extra [T, C] optional per-token addition to `maa`
 *
 * @example
 * ```ts
 * const out = new Float32Array(1);
 * timeMaa(out, new Float32Array([1]), new Float32Array([3]), new Float32Array([0.25]), 1, 1); // out = [1.5]
 * ```
 */
export function timeMaa(
  out: Float32Array,
  x: Float32Array,
  prev: Float32Array,
  maa: Float32Array,
  T: number,
  C: number,
  extra?: Float32Array,
): void {
  for (let t = 0; t < T; t++) {
    for (let c = 0, i = t * C; c < C; c++, i++) {
      out[i] = x[i] + (prev[i] - x[i]) * (extra ? maa[c] + extra[i] : maa[c]);
    }
  }
}
