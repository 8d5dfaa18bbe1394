/**
 * The dense linear algebra of GPTQ (kernels/cpu/gptq_quantize.ts), in float64: Cholesky factor,
 * inverse of a lower triangular matrix, and U with H⁻¹ = Uᵀ U, each also in place.
 *
 * Memory: for a K-input linear every K×K float64 matrix is K²·8 bytes, 0.97 GB for Llama-2-7B's
 * `down_proj` (K = 11008). {@link upperCholeskyOfInverse}, the readable form, allocates four (J H J,
 * L, L⁻¹, U) beside the caller's H; {@link upperCholeskyOfInverseInPlace} turns H into U in H's own
 * buffer with the same operations in the same order, so the same bits (kernels/cpu/gptq_linalg_test.ts
 * compares the two).
 *
 * In place on a matrix from {@link squareMatrix} (WebAssembly memory), the Cholesky factor's
 * four-row steps and the inverse's row sums run as WebAssembly SIMD kernels with the same bits
 * (kernels/cpu/gptq_linalg_wasm.ts).
 *
 * @module
 */
import { choleskyInPlaceWasm, invertLowerInPlaceWasm, squareMatrix } from "./gptq_linalg_wasm.ts";

export { squareMatrix };

/**
 * Lower Cholesky factor L of the symmetric positive definite `a` [n,n] (a = L Lᵀ), or null if it
 * is not: L[i,j] = (a[i,j] − Σ_{k<j} L[i,k] L[j,k]) / L[j,j], L[i,i] = √(a[i,i] − Σ_{k<i} L[i,k]²).
 * Rows go four at a time: their sums for a column j left of the four are independent, so they run
 * side by side sharing the loads of row j (each sum in k order, as the one-row loop sums it).
 *
 * `l` may be `a` itself (in place: a[i,j] is read once, just before L[i,j] replaces it; the strict
 * upper triangle keeps a's values). A separate `l` must hold zeros above the diagonal.
 */
export function cholesky(a: Float64Array, n: number, l: Float64Array = new Float64Array(n * n)): Float64Array | null {
  if (l === a) { // in place on a matrix in WebAssembly memory: the same steps with SIMD (gptq_linalg_wasm.ts)
    const simd = choleskyInPlaceWasm(a, n, (i, from) => choleskyRow(a, a, n, i, from));
    if (simd !== null) return simd ? a : null;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      let s0 = a[r0 + j], s1 = a[r1 + j], s2 = a[r2 + j], s3 = a[r3 + j];
      for (let k = 0; k < j; k++) {
        const v = l[rj + k];
        s0 -= l[r0 + k] * v;
        s1 -= l[r1 + k] * v;
        s2 -= l[r2 + k] * v;
        s3 -= l[r3 + k] * v;
      }
      const d = l[rj + j];
      l[r0 + j] = s0 / d;
      l[r1 + j] = s1 / d;
      l[r2 + j] = s2 / d;
      l[r3 + j] = s3 / d;
    }
    for (let r = i; r < i + 4; r++) if (!choleskyRow(a, l, n, r, i)) return null; // the 4×4 corner
  }
  for (; i < n; i++) if (!choleskyRow(a, l, n, i, 0)) return null; // the last rows, one at a time
  return l;
}

/** Entries L[i, from..i] of {@link cholesky}'s row i; false if the matrix is not positive definite. */
function choleskyRow(a: Float64Array, l: Float64Array, n: number, i: number, from: number): boolean {
  for (let j = from; j <= i; j++) {
    let s = a[i * n + j];
    for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
    if (i === j) {
      if (!(s > 0)) return false;
      l[i * n + i] = Math.sqrt(s);
    } else {
      l[i * n + j] = s / l[j * n + j];
    }
  }
  return true;
}

/**
 * M⁻¹ of the lower triangular `m` [n,n] (lower): row i, X[i,j] = −(Σ_{k=j}^{i−1} M[i,k] X[k,j]) / M[i,i].
 * The sums of a row are accumulated together, row k of X at a time (contiguous, no chain of
 * dependent adds), each in k order.
 *
 * `x` may be `m` itself (in place: row i of M is read in full before row i of X replaces it, and
 * only the lower triangle of both is read; the strict upper triangle keeps m's values). A separate
 * `x` must hold zeros above the diagonal.
 */
export function invertLower(m: Float64Array, n: number, x: Float64Array = new Float64Array(n * n)): Float64Array {
  if (x === m && invertLowerInPlaceWasm(m, n)) return m; // in WebAssembly memory: SIMD sums (gptq_linalg_wasm.ts)
  const acc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    acc.fill(0, 0, i);
    for (let k = 0; k < i; k++) {
      const mik = m[i * n + k], rk = k * n;
      for (let j = 0; j <= k; j++) acc[j] += mik * x[rk + j];
    }
    const d = m[i * n + i];
    for (let j = 0; j < i; j++) x[i * n + j] = -acc[j] / d;
    x[i * n + i] = 1 / d;
  }
  return x;
}

/**
 * U, upper triangular with positive diagonal and H⁻¹ = Uᵀ U: what AutoGPTQ computes as
 * torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(H)), upper=True). Null if H
 * is not positive definite. Computed with one factorization instead of two: with J the reversal
 * (J[i, n−1−i] = 1), J H J = M Mᵀ (M lower), so H = R Rᵀ with R = J M J upper, H⁻¹ = R⁻ᵀ R⁻¹ and
 * U = R⁻¹ = J M⁻¹ J (the upper Cholesky factor is unique, so this is the same U).
 */
export function upperCholeskyOfInverse(h: Float64Array, n: number): Float64Array | null {
  const reversed = new Float64Array(n * n); // J H J
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) reversed[i * n + j] = h[(n - 1 - i) * n + (n - 1 - j)];
  const m = cholesky(reversed, n);
  if (!m) return null;
  const x = invertLower(m, n), u = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) u[i * n + j] = x[(n - 1 - i) * n + (n - 1 - j)];
  return u;
}

/**
 * {@link upperCholeskyOfInverse} in `a`'s own buffer: on return `a` [n,n] holds U (zeros below the
 * diagonal), bit for bit what {@link upperCholeskyOfInverse} returns; `a` is consumed (its old
 * values are gone, also when it returns false because `a` is not positive definite). Steps, each in
 * place: J a J is the buffer reversed (entry i·n+j ↔ n²−1−(i·n+j)); its Cholesky factor M; M⁻¹; the
 * strict upper triangle cleared; reversed again, U = J M⁻¹ J.
 */
export function upperCholeskyOfInverseInPlace(a: Float64Array, n: number): boolean {
  a.subarray(0, n * n).reverse(); // J a J
  if (!cholesky(a, n, a)) return false;
  invertLower(a, n, a);
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n); // M⁻¹ is lower triangular
  a.subarray(0, n * n).reverse(); // U = J M⁻¹ J
  return true;
}
