import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { matmulNaive } from "./matmul.ts";
import { wasmSimdAvailable } from "./matmul_wasm.ts";
import { FastMatmul, type FastMultiplyAdd, matmulFast, matmulFastNaive, relaxedSimdAvailable } from "./matmul_fast.ts";
import { randomArray } from "./_random.ts";
import { assertSameBits } from "./_same_bits.ts";

const skip = wasmSimdAvailable() ? undefined : "this runtime has no WebAssembly SIMD";
const skipFma = relaxedSimdAvailable() ? undefined : "this runtime has no relaxed SIMD (the mul+add kernel is tested)";

/** float32 unit roundoff. */
const U = 2 ** -24;

/**
 * The worst-case distance of a float32 sum of K products, in the fast kernel's order, from the
 * exact dot product: each product meets at most ⌈K/4⌉ additions in its lane, 2 more combining the
 * lanes and 1 adding the bias, plus its own rounding, so |error| ≤ γ_m·(Σ|x·w| + |bias|) with
 * m = ⌈K/4⌉ + 4 and γ_m = m·u/(1 − m·u) (Higham, Accuracy and Stability, §3.1); the float64
 * reference's own rounding to float32 adds u·|ref|.
 */
function assertWithinBound(
  fast: Float32Array,
  ref: Float32Array,
  x: Float32Array,
  w: Float32Array,
  T: number,
  K: number,
  N: number,
  bias: Float32Array | undefined,
  label: string,
): void {
  const m = Math.ceil(K / 4) + 4, gamma = (m * U) / (1 - m * U);
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      let abs = bias ? Math.abs(bias[n]) : 0;
      for (let k = 0; k < K; k++) abs += Math.abs(x[t * K + k] * w[n * K + k]);
      const i = t * N + n, err = Math.abs(fast[i] - ref[i]), bound = gamma * abs + U * Math.abs(ref[i]);
      assert.ok(
        err <= bound,
        `${label}: out[${t},${n}] = ${fast[i]}, float64 sum ${ref[i]}, |error| ${err} > bound ${bound}`,
      );
    }
  }
}

test('FastMatmul("mul+add") equals matmulFastNaive() bit for bit on random shapes, with and without bias', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 19 }),
      fc.integer({ min: 1, max: 37 }),
      fc.integer({ min: 1, max: 23 }),
      fc.boolean(),
      fc.integer(),
      (T, K, N, withBias, seed) => {
        const x = randomArray(T * K, seed), w = randomArray(N * K, seed + 1);
        const bias = withBias ? randomArray(N, seed + 2) : undefined;
        const fast = new Float32Array(T * N), naive = new Float32Array(T * N);
        matmulFast(fast, x, w, T, K, N, bias, "mul+add");
        matmulFastNaive(naive, x, w, T, K, N, bias);
        assertSameBits(fast, naive, `out[${T}x${N}] K=${K}`);
      },
    ),
    { numRuns: 200 },
  );
}, { skip });

for (const multiplyAdd of ["mul+add", "fma"] as const satisfies readonly FastMultiplyAdd[]) {
  test(`matmulFast() with ${multiplyAdd} stays within the float32 error bound of the float64 sum`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 11 }),
        fc.boolean(),
        fc.integer(),
        (T, K, N, withBias, seed) => {
          const x = randomArray(T * K, seed), w = randomArray(N * K, seed + 1);
          const bias = withBias ? randomArray(N, seed + 2) : undefined;
          const fast = new Float32Array(T * N), ref = new Float32Array(T * N);
          matmulFast(fast, x, w, T, K, N, bias, multiplyAdd);
          matmulNaive(ref, x, w, T, K, N, bias);
          assertWithinBound(fast, ref, x, w, T, K, N, bias, `${multiplyAdd} [${T}x${N}] K=${K}`);
        },
      ),
      { numRuns: 100 },
    );
  }, { skip: multiplyAdd === "fma" ? skip ?? skipFma : skip });
}

test("FastMatmul.columns() writes exactly columns n0..n1-1 with the bits of the whole product", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 13 }),
      fc.integer({ min: 1, max: 21 }),
      fc.integer({ min: 1, max: 40 }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
      fc.integer(),
      (T, K, N, ranges, seed) => {
        const x = randomArray(T * K, seed), w = randomArray(N * K, seed + 1), bias = randomArray(N, seed + 2);
        const whole = new Float32Array(T * N);
        matmulFast(whole, x, w, T, K, N, bias);
        const mm = new FastMatmul();
        mm.load(x, T, K, bias);
        for (const [a, b] of ranges) {
          const n0 = a % (N + 1), n1 = n0 + (b % (N - n0 + 1));
          const part = new Float32Array(T * N).fill(-7);
          mm.columns(part, w, N, n0, n1);
          const want = whole.map((v, i) => (i % N >= n0 && i % N < n1 ? v : -7));
          assertSameBits(part, want, `columns ${n0}..${n1 - 1} of N=${N}`);
        }
      },
    ),
    { numRuns: 150 },
  );
}, { skip });

test("FastMatmul.columns() reads w as stored, at any offset of its rows: K = 5 and odd N", () => {
  // the kernel's rows of w are padded to K4 = 8, and the last pair of rows has a row of zeros
  const T = 5, K = 5, N = 3;
  const x = randomArray(T * K, 11), w = randomArray(N * K, 12);
  const want = new Float32Array(T * N), got = new Float32Array(T * N);
  matmulFastNaive(want, x, w, T, K, N);
  const mm = new FastMatmul("mul+add");
  mm.load(x, T, K);
  mm.columns(got, w, N, 1, 3); // rows 0..3 of w copied (row 3 is past N)
  mm.columns(got, w, N, 0, 1);
  assertSameBits(got, want, "T=5 K=5 N=3 in two ranges");
}, { skip });

test("FastMatmul.columns() refuses a w with fewer than N·K values", () => {
  const mm = new FastMatmul("mul+add");
  mm.load(new Float32Array(8), 2, 4);
  assert.throws(
    () => mm.columns(new Float32Array(6), new Float32Array(15), 4, 0, 4),
    /15 values, fewer than N·K = 4·4/,
  );
}, { skip });
