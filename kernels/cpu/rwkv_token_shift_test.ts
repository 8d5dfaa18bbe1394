import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { timeMaa, timeMix, tokenShift } from "./rwkv_token_shift.ts";
import { randomArray } from "./_random.ts";

test("tokenShift() gives each token its predecessor and leaves the last token as the state", () => {
  const x = new Float32Array([1, 2, 3, 4, 5, 6]); // T = 3, C = 2
  const last = new Float32Array([-1, -2]);
  const prev = new Float32Array(6);
  tokenShift(prev, x, last, 3, 2);
  assert.deepEqual([...prev], [-1, -2, 1, 2, 3, 4]);
  assert.deepEqual([...last], [5, 6]);
});

test("tokenShift() over two parts equals one shift over the whole sequence", () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 10 }), fc.integer({ min: 1, max: 8 }), fc.integer(), (T, C, seed) => {
      const cut = 1 + (Math.abs(seed) % (T - 1));
      const x = randomArray(T * C, seed);
      const whole = new Float32Array(T * C), parts = new Float32Array(T * C);
      tokenShift(whole, x, new Float32Array(C), T, C);
      const last = new Float32Array(C);
      const p0 = new Float32Array(cut * C), p1 = new Float32Array((T - cut) * C);
      tokenShift(p0, x.subarray(0, cut * C), last, cut, C);
      tokenShift(p1, x.subarray(cut * C), last, T - cut, C);
      parts.set(p0), parts.set(p1, cut * C);
      assert.deepEqual(parts, whole);
    }),
  );
});

test("timeMix(μ) and timeMaa(1 − μ) are the same interpolation, from x (μ = 1) to prev (μ = 0)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (T, C, seed) => {
      const x = randomArray(T * C, seed), prev = randomArray(T * C, seed + 1);
      const mix = randomArray(C, seed + 2).map((m) => 0.5 + 0.5 * m);
      const a = new Float32Array(T * C), b = new Float32Array(T * C);
      timeMix(a, x, prev, mix, T, C);
      timeMaa(b, x, prev, mix.map((m) => 1 - m), T, C);
      assertAllClose(a, b, { atol: 1e-6, label: "timeMix vs timeMaa" });
      timeMix(a, x, prev, new Float32Array(C).fill(1), T, C);
      assert.deepEqual(a, x);
      timeMaa(b, x, prev, new Float32Array(C).fill(0.5), T, C, new Float32Array(T * C).fill(0.5));
      assertAllClose(b, prev, { atol: 1e-7, label: "maa + extra = 1 gives prev" });
    }),
  );
});
