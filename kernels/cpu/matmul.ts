/**
 * The linear layer `out = x · wᵀ (+ bias)`, with `w` in PyTorch `nn.Linear` layout `[N, K]`
 * (the layout checkpoints store), so every output element is a dot product of two contiguous
 * rows: a row of `x` and a row of `w`.
 *
 * `matmulNaive` is the obviously-correct triple loop; `matmul` computes the same sums in the same
 * order (float64, k = 0..K-1, then + bias, then rounded to float32), so the two agree bit for
 * bit. What `matmul` adds is blocking, which changes only the order in which outputs are visited:
 *
 * - register blocking: a 4×4 tile of outputs is accumulated in 16 locals while walking `K` once,
 *   so each value loaded from `x` or `w` is used four times;
 * - cache blocking: the columns are visited in panels of {@link MATMUL_PANEL} rows of `w`
 *   (64 × K × 4 bytes: 192 KiB at K = 768), and every row of `x` is run against one panel before
 *   the next, so the panel stays in L2 while `x` streams past it.
 *
 * {@link matmulColumns} computes one range of columns; the CPU backend hands ranges to worker
 * threads (src/backend/_cpu_pool.ts), and since every output element is the same float64 sum in
 * the same order whichever thread and whichever tile computes it, the threaded result is
 * bit-identical to this one. kernels/cpu/matmul_wasm.ts computes the same sums with WebAssembly
 * SIMD.
 *
 * @module
 */

/** Columns (rows of `w`) per cache panel in {@link matmul}; a multiple of the 4-wide tile. */
export const MATMUL_PANEL = 64;

/**
 * Linear layer: `out[t, n] = Σ_k x[t, k] · w[n, k] + bias[n]`, bit-identical to
 * {@link matmulNaive}.
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
  matmulColumns(out, x, w, T, K, N, 0, N, bias);
}

/**
 * Columns `n0 ≤ n < n1` of {@link matmul}: `out[t, n] = Σ_k x[t, k] · w[n, k] + bias[n]` for every
 * row `t`, leaving the other columns of `out` untouched. Panels of {@link MATMUL_PANEL} columns,
 * 4×4 tiles inside a panel; leftover rows and columns go through the 1×4, 4×1 and 1×1 loops.
 *
 * @param out [T, N] result; only columns n0..n1-1 are written
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * matmulColumns(out, new Float32Array([1, 2]), new Float32Array([1, 0, 0, 1]), 1, 2, 2, 1, 2); // out = [0, 2]
 * ```
 */
export function matmulColumns(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  T: number,
  K: number,
  N: number,
  n0: number,
  n1: number,
  bias?: Float32Array,
): void {
  matmulBlock(out, x, w, T, K, N, 0, T, n0, n1, bias);
}

/** Rows `t0 ≤ t < t1` of columns `n0 ≤ n < n1` of {@link matmul}; the rest of `out` is untouched. */
export function matmulBlock(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  T: number,
  K: number,
  N: number,
  t0: number,
  t1: number,
  n0: number,
  n1: number,
  bias?: Float32Array,
): void {
  if (t1 > T || n1 > N) {
    throw new RangeError(`matmulBlock: rows ${t0}..${t1} or columns ${n0}..${n1} outside [${T}, ${N}]`);
  }
  for (let p0 = n0; p0 < n1; p0 += MATMUL_PANEL) {
    const p1 = Math.min(n1, p0 + MATMUL_PANEL);
    let t = t0;
    for (; t + 4 <= t1; t += 4) {
      let n = p0;
      for (; n + 4 <= p1; n += 4) tile4x4(out, x, w, t, n, K, N, bias);
      for (; n < p1; n++) tile4x1(out, x, w, t, n, K, N, bias);
    }
    for (; t < t1; t++) {
      let n = p0;
      for (; n + 4 <= p1; n += 4) tile1x4(out, x, w, t, n, K, N, bias);
      for (; n < p1; n++) out[t * N + n] = dot(x, t * K, w, n * K, K) + (bias ? bias[n] : 0);
    }
  }
}

/** Reference for {@link matmul}: `out[t, n] = Σ_k x[t, k] · w[n, k] + bias[n]`, float64 sums in k order. */
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
    // one value of each w row, then one x row at a time: 4 + 1 live operands beside the 16 sums
    const b0 = w[w0 + k], b1 = w[w1 + k], b2 = w[w2 + k], b3 = w[w3 + k];
    let a = x[x0 + k];
    s00 += a * b0, s01 += a * b1, s02 += a * b2, s03 += a * b3;
    a = x[x1 + k];
    s10 += a * b0, s11 += a * b1, s12 += a * b2, s13 += a * b3;
    a = x[x2 + k];
    s20 += a * b0, s21 += a * b1, s22 += a * b2, s23 += a * b3;
    a = x[x3 + k];
    s30 += a * b0, s31 += a * b1, s32 += a * b2, s33 += a * b3;
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
