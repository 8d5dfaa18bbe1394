import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { cholesky, upperCholeskyOfInverse, upperCholeskyOfInverseInPlace } from "./gptq_linalg.ts";
import { type GptqHessian, gptqQuantizePrepared, prepareHessian } from "./gptq_quantize.ts";
import { randomArray } from "./_random.ts";

/** A symmetric positive semi-definite [K,K] Gram matrix of `n` random inputs, inputs in `dead` all zero. */
function gram(K: number, n: number, seed: number, dead: readonly number[] = []): Float64Array {
  const x = randomArray(n * K, seed);
  for (const k of dead) for (let t = 0; t < n; t++) x[t * K + k] = 0;
  const h = new Float64Array(K * K);
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) h[i * K + j] += (2 / n) * x[t * K + i] * x[t * K + j];
  }
  return h;
}

/**
 * The twin of prepareHessian() as it was before it worked in place (copy, permuted copy,
 * upperCholeskyOfInverse() with its own buffers): the result must not change by a bit.
 */
function prepareHessianCopying(hessian: Float64Array, K: number, descAct: boolean, damp: number): GptqHessian | null {
  let H = Float64Array.from(hessian);
  const dead = new Uint8Array(K);
  for (let k = 0; k < K; k++) {
    if (H[k * K + k] === 0) {
      H[k * K + k] = 1;
      dead[k] = 1;
    }
  }
  let perm = Int32Array.from({ length: K }, (_, k) => k);
  if (descAct) {
    perm = Int32Array.from([...perm].sort((a, b) => H[b * K + b] - H[a * K + a] || a - b));
    const Hp = new Float64Array(K * K);
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) Hp[i * K + j] = H[perm[i] * K + perm[j]];
    H = Hp;
  }
  let mean = 0;
  for (let k = 0; k < K; k++) mean += H[k * K + k];
  mean /= K;
  for (let k = 0; k < K; k++) H[k * K + k] += damp * mean;
  const Hinv = upperCholeskyOfInverse(H, K);
  return Hinv ? { K, dead, perm, Hinv } : null;
}

test("upperCholeskyOfInverseInPlace() gives upperCholeskyOfInverse()'s bits in the input's buffer", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 27 }), fc.integer({ min: 1, max: 1000 }), (n, seed) => {
      const h = gram(n, 2 * n, seed);
      for (let i = 0; i < n; i++) h[i * n + i] += 0.01;
      const want = upperCholeskyOfInverse(h, n)!, a = Float64Array.from(h);
      assert.equal(upperCholeskyOfInverseInPlace(a, n), true);
      for (let i = 0; i < n * n; i++) assert.ok(Object.is(a[i], want[i]), `U[${i}] in place ${a[i]} vs ${want[i]}`);
    }),
    { numRuns: 60 },
  );
});

test("cholesky() in place gives the bits of a separate output; both refuse an indefinite matrix", () => {
  const n = 11, h = gram(n, 30, 4), want = cholesky(h, n)!, a = Float64Array.from(h);
  cholesky(a, n, a);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) assert.ok(Object.is(a[i * n + j], want[i * n + j]));
  assert.equal(upperCholeskyOfInverseInPlace(Float64Array.from([1, 2, 2, 1]), 2), false);
});

test("prepareHessian() copying or consuming gives the bits of its copying twin, and leaves the input unless consuming", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 25 }),
      fc.integer({ min: 1, max: 1000 }),
      fc.boolean(),
      fc.constantFrom(0.01, 0.1),
      (K, seed, descAct, dampPercent) => {
        const dead = [0, 3, 7].filter((k) => k < K - 1); // dead inputs, as a pruned or unused channel gives
        const h = gram(K, K + 3, seed, dead), before = Float64Array.from(h);
        const want = prepareHessianCopying(h, K, descAct, dampPercent)!;
        const copied = prepareHessian(h, K, { descAct, dampPercent })!;
        assert.deepEqual(h, before, "the Hessian is not modified without consume");
        const consumed = prepareHessian(h, K, { descAct, dampPercent, consume: true })!;
        assert.equal(consumed.Hinv, h, "consume: Hinv is the Hessian's buffer");
        for (const got of [copied, consumed]) {
          assert.deepEqual(got.dead, want.dead);
          assert.deepEqual(got.perm, want.perm);
          for (let i = 0; i < K * K; i++) assert.ok(Object.is(got.Hinv[i], want.Hinv[i]), `Hinv[${i}]`);
        }
        const w = randomArray(3 * K, seed + 1), opts = { bits: 3, groupSize: 4, sym: false, descAct, blockSize: 5 };
        assert.deepEqual(gptqQuantizePrepared(w, consumed, 3, opts), gptqQuantizePrepared(w, want, 3, opts));
      },
    ),
    { numRuns: 60 },
  );
});
