import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { layernorm } from "./layernorm.ts";
import { randomArray } from "./_random.ts";

test("layernorm() with weight 1 and bias 0 gives rows of mean 0 and variance v / (v + eps) ≈ 1", () => {
  const eps = 1e-12;
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 40 }), fc.integer(), (T, D, seed) => {
      const x = randomArray(T * D, seed, 3);
      const out = new Float32Array(T * D);
      layernorm(out, x, new Float32Array(D).fill(1), new Float32Array(D), T, D, eps);
      for (let t = 0; t < T; t++) {
        // The input row's own variance v: a row of nearly equal values (v near eps) comes out
        // with variance v / (v + eps), visibly below 1, as torch's LayerNorm gives.
        const input = Array.from(x.subarray(t * D, (t + 1) * D));
        const m = input.reduce((a, b) => a + b, 0) / D;
        const v = input.reduce((a, b) => a + (b - m) ** 2, 0) / D;
        const row = Array.from(out.subarray(t * D, (t + 1) * D));
        const mean = row.reduce((a, b) => a + b, 0) / D;
        const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / D;
        assert.ok(Math.abs(mean) < 1e-6, `row ${t}: mean ${mean}`);
        assert.ok(Math.abs(variance - v / (v + eps)) < 1e-5, `row ${t}: variance ${variance}, input variance ${v}`);
      }
    }),
    { numRuns: 100 },
  );
});

test("layernorm() is shift invariant: layernorm(x + c) ≈ layernorm(x)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 2, max: 40 }),
      fc.double({ min: -10, max: 10, noNaN: true }),
      fc.integer(),
      (T, D, c, seed) => {
        const x = randomArray(T * D, seed);
        const w = randomArray(D, seed + 1), b = randomArray(D, seed + 2);
        const a = new Float32Array(T * D), shifted = new Float32Array(T * D);
        layernorm(a, x, w, b, T, D, 1e-5);
        layernorm(shifted, x.map((v) => v + c), w, b, T, D, 1e-5);
        assertAllClose(shifted, a, { atol: 1e-4, label: `layernorm(x + ${c})` });
      },
    ),
    { numRuns: 100 },
  );
});

test("layernorm() applies weight and bias after normalising, with the biased variance", () => {
  // x = [1, 3]: mean 2, biased variance 1.
  const out = new Float32Array(2);
  layernorm(out, new Float32Array([1, 3]), new Float32Array([2, 3]), new Float32Array([0.5, -0.5]), 1, 2, 0);
  assert.deepEqual(Array.from(out), [-1.5, 2.5]);
});

test("layernorm() may write over its input (out aliases x)", () => {
  const T = 2, D = 9;
  const x = randomArray(T * D, 3), w = randomArray(D, 4), b = randomArray(D, 5);
  const expected = new Float32Array(T * D);
  layernorm(expected, x, w, b, T, D, 1e-5);
  layernorm(x, x, w, b, T, D, 1e-5);
  assert.deepEqual(x, expected);
});
