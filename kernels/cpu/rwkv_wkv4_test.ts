import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { wkv4, wkv4Naive, wkv4State } from "./rwkv_wkv4.ts";
import { randomArray } from "./_random.ts";

test("wkv4() equals the defining sum wkv4Naive() on random inputs", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (T, C, seed) => {
      const k = randomArray(T * C, seed, 3), v = randomArray(T * C, seed + 1, 2);
      const td = randomArray(C, seed + 2, 2), tf = randomArray(C, seed + 3, 1);
      const y = new Float32Array(T * C), ref = new Float32Array(T * C);
      wkv4(y, k, v, td, tf, wkv4State(C), T, C);
      wkv4Naive(ref, k, v, td, tf, T, C);
      assertAllClose(y, ref, { atol: 1e-6, rtol: 1e-5, label: `wkv4 T=${T} C=${C}` });
    }),
    { numRuns: 200 },
  );
});

test("wkv4() run in two parts with the state carried over equals one run", () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (T, C, seed) => {
      const cut = 1 + (Math.abs(seed) % (T - 1));
      const k = randomArray(T * C, seed, 3), v = randomArray(T * C, seed + 1);
      const td = randomArray(C, seed + 2), tf = randomArray(C, seed + 3);
      const whole = new Float32Array(T * C), parts = new Float32Array(T * C);
      wkv4(whole, k, v, td, tf, wkv4State(C), T, C);
      const s = wkv4State(C);
      wkv4(parts, k.subarray(0, cut * C), v.subarray(0, cut * C), td, tf, s, cut, C);
      const rest = new Float32Array((T - cut) * C);
      wkv4(rest, k.subarray(cut * C), v.subarray(cut * C), td, tf, s, T - cut, C);
      parts.set(rest, cut * C);
      assertAllClose(parts, whole, { atol: 0, label: `cut ${cut}` });
    }),
  );
});

test("wkv4() stays finite where the plain sum overflows (the max trick), and is a convex combination of values", () => {
  const T = 4, C = 2;
  const k = new Float32Array([800, -800, 900, 10, -50, 700, 1000, 0]);
  const v = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const y = new Float32Array(T * C);
  wkv4(y, k, v, new Float32Array([0.5, -3]), new Float32Array([1, 0]), wkv4State(C), T, C);
  const naive = new Float32Array(T * C);
  wkv4Naive(naive, k, v, new Float32Array([0.5, -3]), new Float32Array([1, 0]), T, C);
  assert.ok(naive.some(Number.isNaN), "the plain sum should overflow here");
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < C; c++) {
      const seen = Array.from({ length: t + 1 }, (_, i) => v[i * C + c]);
      const yi = y[t * C + c];
      assert.ok(
        Number.isFinite(yi) && yi >= Math.min(...seen) - 1e-6 && yi <= Math.max(...seen) + 1e-6,
        `y[${t},${c}] = ${yi}`,
      );
    }
  }
  assert.equal(y[2 * C], 3); // k = 900 dominates everything before it
});
