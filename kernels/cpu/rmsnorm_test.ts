import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { rmsnorm } from "./rmsnorm.ts";
import { randomArray } from "./_random.ts";

test("rmsnorm() is scale invariant: rmsnorm(c·x) ≈ rmsnorm(x) for c > 0", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 40 }),
      fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
      fc.integer(),
      (T, D, c, seed) => {
        const x = randomArray(T * D, seed);
        const w = randomArray(D, seed + 1);
        const cx = x.map((v) => v * c);
        const a = new Float32Array(T * D), b = new Float32Array(T * D);
        rmsnorm(a, x, w, T, D, 0);
        rmsnorm(b, cx, w, T, D, 0);
        assertAllClose(b, a, { atol: 1e-5, rtol: 1e-5, label: `rmsnorm(${c}·x)` });
      },
    ),
    { numRuns: 100 },
  );
});

test("rmsnorm() with weight 1 and eps 0 gives rows of unit root mean square", () => {
  const T = 3, D = 17;
  const x = randomArray(T * D, 5, 4);
  const out = new Float32Array(T * D);
  rmsnorm(out, x, new Float32Array(D).fill(1), T, D, 0);
  for (let t = 0; t < T; t++) {
    let ss = 0;
    for (let i = 0; i < D; i++) ss += out[t * D + i] ** 2;
    assert.ok(Math.abs(Math.sqrt(ss / D) - 1) < 1e-6, `row ${t}: rms ${Math.sqrt(ss / D)}`);
  }
});

test("rmsnorm() multiplies by weight and adds eps inside the root", () => {
  const out = new Float32Array(2);
  rmsnorm(out, new Float32Array([3, 4]), new Float32Array([2, -1]), 1, 2, 0.5);
  const r = Math.sqrt((9 + 16) / 2 + 0.5);
  assertAllClose(out, [3 / r * 2, -4 / r], { atol: 1e-6, label: "out" });
});

test("rmsnorm() may write over its input (out aliases x)", () => {
  const T = 2, D = 9;
  const x = randomArray(T * D, 11), w = randomArray(D, 12);
  const expected = new Float32Array(T * D);
  rmsnorm(expected, x, w, T, D, 1e-6);
  rmsnorm(x, x, w, T, D, 1e-6);
  assert.deepEqual(x, expected);
});
