/**
 * The WKV recurrence of RWKV-5 ("Eagle") and RWKV-6 ("Finch"): H heads, each with a matrix-valued
 * state `s` [S, S] (row i = key channel, column j = value channel). Per token t and head:
 *
 *   y_t[j] = Σ_i r_t[i] · (u[i]·k_t[i]·v_t[j] + s[i,j])        (read with the bonus u for the current token)
 *   s[i,j] ← w_t[i]·s[i,j] + k_t[i]·v_t[j]                     (decay per key channel, then add k_t v_tᵀ)
 *
 * The decay `w = exp(−exp(d))` is the same for every token in v5 ({@link wkv5}, `d = time_decay`)
 * and data-dependent in v6 ({@link wkv6}, `d_t = time_decay + dw_t`). {@link wkv5Naive} is the
 * unrolled ("attention") form, for tests.
 *
 * @module
 */

/**
 * WKV-5: constant decay. y [T, H·S] from r, k, v [T, H·S]; `state` [H, S, S] is read and left
 * holding the state after token T−1.
 *
 * @param time_decay [H·S] log-log decay `d`, per channel (v5.1's per-head values repeated S times)
 * @param u          [H·S] bonus (v5.1: `exp(time_first)` per head repeated; v5.2: `time_faaaa`)
 *
 * @example
 * ```ts
 * const y = new Float32Array(1), s = new Float64Array(1);
 * const one = new Float32Array([1]);
 * wkv5(y, one, one, new Float32Array([2]), new Float32Array([0]), new Float32Array([0.5]), s, 1, 1, 1);
 * // y = [1]: r·u·k·v = 1·0.5·1·2; the state becomes s = k·v = 2
 * ```
 */
export function wkv5(
  y: Float32Array,
  r: Float32Array,
  k: Float32Array,
  v: Float32Array,
  time_decay: Float32Array,
  u: Float32Array,
  state: Float64Array,
  T: number,
  H: number,
  S: number,
): void {
  const C = H * S;
  const w = new Float64Array(C);
  for (let c = 0; c < C; c++) w[c] = Math.exp(-Math.exp(time_decay[c]));
  const acc = new Float64Array(S);
  for (let t = 0; t < T; t++) wkvStep(y, r, k, v, w, u, state, t * C, H, S, acc);
}

/**
 * WKV-6: per-token decay `w_t = exp(−exp(time_decay + dw_t))`. Shapes as in {@link wkv5}.
 *
 * @param time_decay [H·S] `att.time_decay`
 * @param dw         [T, H·S] data-dependent part, `tanh(xw·time_decay_w1)·time_decay_w2`
 * @param u          [H·S] bonus `time_faaaa`
 */
export function wkv6(
  y: Float32Array,
  r: Float32Array,
  k: Float32Array,
  v: Float32Array,
  time_decay: Float32Array,
  dw: Float32Array,
  u: Float32Array,
  state: Float64Array,
  T: number,
  H: number,
  S: number,
): void {
  const C = H * S;
  const w = new Float64Array(C);
  const acc = new Float64Array(S);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < C; c++) w[c] = Math.exp(-Math.exp(time_decay[c] + dw[t * C + c]));
    wkvStep(y, r, k, v, w, u, state, t * C, H, S, acc);
  }
}

// One token (row offset o = t·C): y[o + h·S + j] and the update of every head's state.
function wkvStep(
  y: Float32Array,
  r: Float32Array,
  k: Float32Array,
  v: Float32Array,
  w: Float64Array,
  u: Float32Array,
  s: Float64Array,
  o: number,
  H: number,
  S: number,
  acc: Float64Array,
): void {
  for (let h = 0; h < H; h++) {
    const hc = h * S, vo = o + hc;
    acc.fill(0);
    for (let i = 0; i < S; i++) {
      const ri = r[o + hc + i], ki = k[o + hc + i], ui = u[hc + i], wi = w[hc + i];
      const row = (hc + i) * S; // s[h, i, :]
      for (let j = 0; j < S; j++) {
        const kv = ki * v[vo + j];
        acc[j] += ri * (ui * kv + s[row + j]);
        s[row + j] = wi * s[row + j] + kv;
      }
    }
    for (let j = 0; j < S; j++) y[vo + j] = acc[j];
  }
}

/**
 * The unrolled form from the empty state, with decay multipliers given per token:
 * `y_t[j] = Σ_i r_t[i]·(u[i]·k_t[i]·v_t[j] + Σ_{τ<t} (Π_{τ<σ<t} w_σ[i])·k_τ[i]·v_τ[j])`.
 *
 * @param w [T, H·S] decay multipliers in (0, 1) (for v5 the same row T times)
 */
export function wkv5Naive(
  y: Float32Array,
  r: Float32Array,
  k: Float32Array,
  v: Float32Array,
  w: Float64Array,
  u: Float32Array,
  T: number,
  H: number,
  S: number,
): void {
  const C = H * S;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < H; h++) {
      for (let j = 0; j < S; j++) {
        let sum = 0;
        for (let i = 0; i < S; i++) {
          const c = h * S + i;
          let past = 0;
          for (let tau = 0; tau < t; tau++) {
            let decay = 1;
            for (let sigma = tau + 1; sigma < t; sigma++) decay *= w[sigma * C + c];
            past += decay * k[tau * C + c] * v[tau * C + h * S + j];
          }
          sum += r[t * C + c] * (u[c] * k[t * C + c] * v[t * C + h * S + j] + past);
        }
        y[t * C + h * S + j] = sum;
      }
    }
  }
}
