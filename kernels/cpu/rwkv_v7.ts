/**
 * The per-token pieces of an RWKV-7 ("Goose", ChatRWKV `RWKV_x070`) time mix around its WKV
 * recurrence (`rwkv_wkv7.ts`): decay, in-context learning rate, keys, value residual and the
 * bonus term. All work on rows of C = H·N channels; none depends on other tokens.
 *
 * @module
 */

const EXP_MINUS_HALF = Math.exp(-0.5); // ChatRWKV writes 0.606531

/**
 * Decay `w = exp(−e^{−1/2}·σ(w0 + dw))`, in (e^{−0.607}, 1).
 *
 * @param w  [T, C] result (may alias `dw`)
 * @param w0 [C] `att.w0`
 * @param dw [T, C] `tanh(xw·w1)·w2`
 *
 * @example
 * ```ts
 * const w = new Float32Array(1);
 * decay7(w, new Float32Array([0]), new Float32Array([0]), 1, 1); // w = [exp(-0.3033)] ≈ [0.7384]
 * ```
 */
export function decay7(w: Float32Array, w0: Float32Array, dw: Float32Array, T: number, C: number): void {
  for (let t = 0; t < T; t++) {
    for (let c = 0, i = t * C; c < C; c++, i++) w[i] = Math.exp(-EXP_MINUS_HALF / (1 + Math.exp(-(w0[c] + dw[i]))));
  }
}

/**
 * `out[t,c] = σ(bias[c] + x[t,c])`: the learning rate `a = σ(a0 + xa·a1·a2)` and the value
 * residual gate `σ(v0 + xv·v1·v2)`.
 *
 * @param out  [T, C] result (may alias `x`)
 * @param bias [C] `a0` or `v0`
 * @param x    [T, C] the LoRA output
 */
export function sigmoidOfSum(out: Float32Array, bias: Float32Array, x: Float32Array, T: number, C: number): void {
  for (let t = 0; t < T; t++) {
    for (let c = 0, i = t * C; c < C; c++, i++) out[i] = 1 / (1 + Math.exp(-(bias[c] + x[i])));
  }
}

/**
 * Keys: the removal key `κ̂ = normalize(k ⊙ k_k)` per head (L2, eps 1e-12 as `F.normalize`),
 * computed from the projected key; then the key itself is scaled, `k ← k ⊙ (1 + (a − 1) ⊙ k_a)`.
 *
 * @param kk  [T, H·N] result κ̂
 * @param k   [T, H·N] `key(xk)`, updated in place
 * @param a   [T, H·N] learning rate
 * @param k_k [H·N] `att.k_k`
 * @param k_a [H·N] `att.k_a`
 */
export function keys7(
  kk: Float32Array,
  k: Float32Array,
  a: Float32Array,
  k_k: Float32Array,
  k_a: Float32Array,
  T: number,
  H: number,
  N: number,
): void {
  const C = H * N;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < H; h++) {
      const o = t * C + h * N;
      let ss = 0;
      for (let j = 0; j < N; j++) ss += (k[o + j] * k_k[h * N + j]) ** 2;
      const inv = 1 / Math.max(Math.sqrt(ss), 1e-12);
      for (let j = 0; j < N; j++) kk[o + j] = k[o + j] * k_k[h * N + j] * inv;
    }
    for (let c = 0, i = t * C; c < C; c++, i++) k[i] = k[i] * (1 + (a[i] - 1) * k_a[c]);
  }
}

/**
 * The value residual: `v ← v + (v_first − v) ⊙ gate`, pulling this block's values toward the
 * values of the first block evaluated (`v_first`).
 *
 * @param v      [n] values of this block, updated in place
 * @param vFirst [n] `v_first`
 * @param gate   [n] `σ(v0 + xv·v1·v2)`
 */
export function valueResidual7(v: Float32Array, vFirst: Float32Array, gate: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) v[i] = v[i] + (vFirst[i] - v[i]) * gate[i];
}

/**
 * The bonus for the current token, added after the group norm:
 * `y[h] += (Σ_j r[h,j]·k[h,j]·r_k[h,j]) · v[h]` per head.
 *
 * @param y   [T, H·N] updated in place
 * @param r   [T, H·N] receptance
 * @param k   [T, H·N] key (after {@link keys7})
 * @param v   [T, H·N] value (after the value residual)
 * @param r_k [H·N] `att.r_k` ([H, N] in the checkpoint)
 */
export function bonus7(
  y: Float32Array,
  r: Float32Array,
  k: Float32Array,
  v: Float32Array,
  r_k: Float32Array,
  T: number,
  H: number,
  N: number,
): void {
  const C = H * N;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < H; h++) {
      const o = t * C + h * N;
      let dot = 0;
      for (let j = 0; j < N; j++) dot += r[o + j] * k[o + j] * r_k[h * N + j];
      for (let j = 0; j < N; j++) y[o + j] += dot * v[o + j];
    }
  }
}
