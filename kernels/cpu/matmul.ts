/**
 * The linear layer `out = x · wᵀ (+ bias)`, with `w` in PyTorch `nn.Linear` layout `[N, K]`
 * (the layout checkpoints store), so every output element is a dot product of two contiguous
 * rows: a row of `x` and a row of `w`.
 *
 * `matmulNaive` is the obviously-correct triple loop; `matmul` computes the same sums in the same
 * order, 4 rows of `x` × 4 rows of `w` at a time, so each value it loads is used four times.
 *
 * @module
 */

/**
 * Linear layer: `out[t, n] = Σ_k x[t, k] · w[n, k] + bias[n]`.
 *
 * Register-blocked: a 4×4 tile of outputs is accumulated in 16 float64 locals while walking `K`
 * once; leftover rows and columns go through the 1×4, 4×1 and 1×1 loops below.
 *
 * @param out  [T, N] result (must not alias `x` or `w`)
 * @param x    [T, K] input rows
 * @param w    [N, K] weight, PyTorch `nn.Linear` layout
 * @param bias [N] optional bias
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * matmul(out, new Float32Array([1, 2]), new Float32Array([1, 0, 0, 1]), 1, 2, 2); // out = [1, 2]
 * ```
 */
export function matmul(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  T: number,
  K: number,
  N: number,
  bias?: Float32Array,
): void {
  let t = 0;
  for (; t + 4 <= T; t += 4) {
    let n = 0;
    for (; n + 4 <= N; n += 4) tile4x4(out, x, w, t, n, K, N, bias);
    for (; n < N; n++) tile4x1(out, x, w, t, n, K, N, bias);
  }
  for (; t < T; t++) {
    let n = 0;
    for (; n + 4 <= N; n += 4) tile1x4(out, x, w, t, n, K, N, bias);
    for (; n < N; n++) out[t * N + n] = dot(x, t * K, w, n * K, K) + (bias ? bias[n] : 0);
  }
}

/** Reference for {@link matmul}: `out[t, n] = Σ_k x[t, k] · w[n, k] + bias[n]`, float64 sums. */
export function matmulNaive(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  T: number,
  K: number,
  N: number,
  bias?: Float32Array,
): void {
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += x[t * K + k] * w[n * K + k];
      out[t * N + n] = sum + (bias ? bias[n] : 0);
    }
  }
}

// out[t..t+4, n..n+4] from x rows t..t+4 and w rows n..n+4.
function tile4x4(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  t: number,
  n: number,
  K: number,
  N: number,
  bias?: Float32Array,
): void {
  const x0 = t * K, x1 = x0 + K, x2 = x1 + K, x3 = x2 + K;
  const w0 = n * K, w1 = w0 + K, w2 = w1 + K, w3 = w2 + K;
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0;
  let s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  let s20 = 0, s21 = 0, s22 = 0, s23 = 0;
  let s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  for (let k = 0; k < K; k++) {
    const a0 = x[x0 + k], a1 = x[x1 + k], a2 = x[x2 + k], a3 = x[x3 + k];
    const b0 = w[w0 + k], b1 = w[w1 + k], b2 = w[w2 + k], b3 = w[w3 + k];
    s00 += a0 * b0, s01 += a0 * b1, s02 += a0 * b2, s03 += a0 * b3;
    s10 += a1 * b0, s11 += a1 * b1, s12 += a1 * b2, s13 += a1 * b3;
    s20 += a2 * b0, s21 += a2 * b1, s22 += a2 * b2, s23 += a2 * b3;
    s30 += a3 * b0, s31 += a3 * b1, s32 += a3 * b2, s33 += a3 * b3;
  }
  const c0 = bias ? bias[n] : 0, c1 = bias ? bias[n + 1] : 0, c2 = bias ? bias[n + 2] : 0, c3 = bias ? bias[n + 3] : 0;
  let o = t * N + n;
  out[o] = s00 + c0, out[o + 1] = s01 + c1, out[o + 2] = s02 + c2, out[o + 3] = s03 + c3;
  o += N;
  out[o] = s10 + c0, out[o + 1] = s11 + c1, out[o + 2] = s12 + c2, out[o + 3] = s13 + c3;
  o += N;
  out[o] = s20 + c0, out[o + 1] = s21 + c1, out[o + 2] = s22 + c2, out[o + 3] = s23 + c3;
  o += N;
  out[o] = s30 + c0, out[o + 1] = s31 + c1, out[o + 2] = s32 + c2, out[o + 3] = s33 + c3;
}

// out[t, n..n+4] from x row t and w rows n..n+4 (the decode case, T = 1).
function tile1x4(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  t: number,
  n: number,
  K: number,
  N: number,
  bias?: Float32Array,
): void {
  const x0 = t * K;
  const w0 = n * K, w1 = w0 + K, w2 = w1 + K, w3 = w2 + K;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let k = 0; k < K; k++) {
    const a = x[x0 + k];
    s0 += a * w[w0 + k], s1 += a * w[w1 + k], s2 += a * w[w2 + k], s3 += a * w[w3 + k];
  }
  const o = t * N + n;
  out[o] = s0 + (bias ? bias[n] : 0);
  out[o + 1] = s1 + (bias ? bias[n + 1] : 0);
  out[o + 2] = s2 + (bias ? bias[n + 2] : 0);
  out[o + 3] = s3 + (bias ? bias[n + 3] : 0);
}

// out[t..t+4, n] from x rows t..t+4 and w row n (leftover columns when N % 4 != 0).
function tile4x1(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  t: number,
  n: number,
  K: number,
  N: number,
  bias?: Float32Array,
): void {
  const x0 = t * K, x1 = x0 + K, x2 = x1 + K, x3 = x2 + K;
  const w0 = n * K;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let k = 0; k < K; k++) {
    const b = w[w0 + k];
    s0 += x[x0 + k] * b, s1 += x[x1 + k] * b, s2 += x[x2 + k] * b, s3 += x[x3 + k] * b;
  }
  const c = bias ? bias[n] : 0;
  const o = t * N + n;
  out[o] = s0 + c, out[o + N] = s1 + c, out[o + 2 * N] = s2 + c, out[o + 3 * N] = s3 + c;
}

// Σ_k a[ia + k] · b[ib + k], float64.
function dot(a: Float32Array, ia: number, b: Float32Array, ib: number, K: number): number {
  let sum = 0;
  for (let k = 0; k < K; k++) sum += a[ia + k] * b[ib + k];
  return sum;
}
