/**
 * The WKV recurrence of RWKV-7 ("Goose"), a generalized delta rule. H heads, each with a state
 * `s` [N, N] (row i = value channel, column j = key channel, as in ChatRWKV's `RWKV_x070`).
 * Per token and head, with `ŝ = s` before the update:
 *
 *   s ← s·diag(w) + (ŝ·(−κ̂))·(κ̂ ⊙ a)ᵀ + v·kᵀ      i.e. s[i,j] = s[i,j]·w[j] + sa[i]·κ̂[j]·a[j] + v[i]·k[j],  sa = −ŝ·κ̂
 *   y = s·r
 *
 * where `w` is the decay, `κ̂` (`kk`) the unit-norm "removal key" per head, `a` the in-context
 * learning rate, `k` the key after `k_a` scaling and `v` the value (after the value residual);
 * see `rwkv_v7.ts`. {@link wkv7Naive} builds the transition matrix `G = diag(w) − κ̂·(κ̂⊙a)ᵀ`
 * explicitly and multiplies, for tests.
 *
 * @module
 */

/**
 * y [T, H·N] from r, w, k, v, kk, a [T, H·N]; `state` [H, N, N] is read and left holding the
 * state after token T−1.
 *
 * @param w  [T, H·N] decay multipliers in (0, 1), `exp(−e^{−1/2}·σ(w0 + …))`
 * @param kk [T, H·N] κ̂, unit L2 norm per head
 * @param a  [T, H·N] in-context learning rate in (0, 1)
 *
 * @example
 * ```ts
 * const y = new Float32Array(1), s = new Float64Array(1);
 * const one = new Float32Array([1]), zero = new Float32Array([0]);
 * wkv7(y, one, new Float32Array([0.5]), one, new Float32Array([2]), one, zero, s, 1, 1, 1);
 * // y = [2]: s = v·k = 2, read with r = 1
 * ```
 */
export function wkv7(
  y: Float32Array,
  r: Float32Array,
  w: Float32Array,
  k: Float32Array,
  v: Float32Array,
  kk: Float32Array,
  a: Float32Array,
  state: Float64Array,
  T: number,
  H: number,
  N: number,
): void {
  const C = H * N;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < H; h++) {
      const o = t * C + h * N; // this head's channels of token t
      for (let i = 0; i < N; i++) {
        const row = (h * N + i) * N; // s[h, i, :]
        let sa = 0;
        for (let j = 0; j < N; j++) sa -= state[row + j] * kk[o + j];
        const vi = v[o + i];
        let yi = 0;
        for (let j = 0; j < N; j++) {
          const sij = state[row + j] * w[o + j] + sa * kk[o + j] * a[o + j] + vi * k[o + j];
          state[row + j] = sij;
          yi += sij * r[o + j];
        }
        y[o + i] = yi;
      }
    }
  }
}

/** {@link wkv7} from the empty state by explicit matrices: `G = diag(w) − κ̂(κ̂⊙a)ᵀ`, `s ← s·G + v·kᵀ`, `y = s·r`. */
export function wkv7Naive(
  y: Float32Array,
  r: Float32Array,
  w: Float32Array,
  k: Float32Array,
  v: Float32Array,
  kk: Float32Array,
  a: Float32Array,
  T: number,
  H: number,
  N: number,
): void {
  const C = H * N;
  for (let h = 0; h < H; h++) {
    let s = Array.from({ length: N }, () => new Float64Array(N));
    for (let t = 0; t < T; t++) {
      const at = (x: Float32Array, j: number) => x[t * C + h * N + j];
      const G = Array.from(
        { length: N },
        (_, m) =>
          Float64Array.from({ length: N }, (_, j) => (m === j ? at(w, j) : 0) - at(kk, m) * at(kk, j) * at(a, j)),
      );
      s = s.map((row, i) =>
        Float64Array.from(
          { length: N },
          (_, j) => row.reduce((sum, sim, m) => sum + sim * G[m][j], 0) + at(v, i) * at(k, j),
        )
      );
      for (let i = 0; i < N; i++) y[t * C + h * N + i] = s[i].reduce((sum, sij, j) => sum + sij * at(r, j), 0);
    }
  }
}
