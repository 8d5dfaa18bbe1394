import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { matmul, MATMUL_PANEL, matmulColumns, matmulNaive } from "./matmul.ts";
import { randomArray } from "./_random.ts";
import { assertSameBits } from "./_same_bits.ts";

test("matmul() equals matmulNaive() bit for bit on random shapes, with and without bias", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 37 }),
      fc.integer({ min: 1, max: 2 * MATMUL_PANEL + 7 }),
      fc.boolean(),
      fc.integer(),
      (T, K, N, withBias, seed) => {
        const x = randomArray(T * K, seed);
        const w = randomArray(N * K, seed + 1);
        const bias = withBias ? randomArray(N, seed + 2) : undefined;
        const fast = new Float32Array(T * N);
        const naive = new Float32Array(T * N);
        matmul(fast, x, w, T, K, N, bias);
        matmulNaive(naive, x, w, T, K, N, bias);
        assertSameBits(fast, naive, `out[${T}x${N}] K=${K}`);
      },
    ),
    { numRuns: 200 },
  );
});

test("matmulColumns() writes exactly columns n0..n1-1, as matmul() computes them", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 21 }),
      fc.integer({ min: 1, max: MATMUL_PANEL + 9 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer(),
      (T, K, N, a, b, seed) => {
        const n0 = a % (N + 1), n1 = n0 + (b % (N - n0 + 1));
        const x = randomArray(T * K, seed), w = randomArray(N * K, seed + 1), bias = randomArray(N, seed + 2);
        const whole = new Float32Array(T * N);
        matmul(whole, x, w, T, K, N, bias);
        const part = new Float32Array(T * N).fill(-7);
        matmulColumns(part, x, w, T, K, N, n0, n1, bias);
        for (let t = 0; t < T; t++) {
          for (let n = 0; n < N; n++) {
            const i = t * N + n;
            const want = n >= n0 && n < n1 ? whole[i] : -7;
            if (!Object.is(part[i], want)) {
              assert.fail(`out[${t}, ${n}] with columns ${n0}..${n1 - 1} of N=${N}: expected ${want}, got ${part[i]}`);
            }
          }
        }
      },
    ),
    { numRuns: 200 },
  );
});

test("matmul() handles the decode case T = 1 with N not a multiple of 4", () => {
  const K = 67, N = 13;
  const x = randomArray(K, 1), w = randomArray(N * K, 2), bias = randomArray(N, 3);
  const fast = new Float32Array(N), naive = new Float32Array(N);
  matmul(fast, x, w, 1, K, N, bias);
  matmulNaive(naive, x, w, 1, K, N, bias);
  assertSameBits(fast, naive, "out");
});

test("matmul() reads w as [N, K] (nn.Linear layout): out = x · wᵀ + bias", () => {
  // x [2, 3], w [2, 3]: out[t, n] = x[t] · w[n]
  const x = new Float32Array([1, 2, 3, 4, 5, 6]);
  const w = new Float32Array([1, 0, 0, 0, 1, 1]);
  const out = new Float32Array(4);
  matmul(out, x, w, 2, 3, 2, new Float32Array([10, 20]));
  assert.deepEqual(Array.from(out), [11, 25, 14, 31]);
});

test("matmulNaive() is the identity map for w = I", () => {
  const D = 5;
  const eye = new Float32Array(D * D);
  for (let i = 0; i < D; i++) eye[i * D + i] = 1;
  const x = randomArray(3 * D, 7);
  const out = new Float32Array(3 * D);
  matmulNaive(out, x, eye, 3, D, D);
  assert.deepEqual(out, x);
});
