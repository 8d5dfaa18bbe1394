import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { swiglu } from "./activations.ts";
import { wasmSimdAvailable } from "./matmul_wasm.ts";
import { swigluFast } from "./swiglu_fast.ts";
import { randomArray } from "./_random.ts";

const skip = wasmSimdAvailable() ? undefined : "this runtime has no WebAssembly SIMD";
const U = 2 ** -24;

/**
 * The bound: exp(−g) is computed from y = −g·log2 e, whose float32 rounding moves 2^y by up to
 * |y|·2u·ln 2 ≈ 2|g|·u relative (exp's condition number is its argument); the polynomial, 2^n,
 * 1 + e, the division, the product with up and the float64 result's own rounding add about 9u.
 * Below g ≈ −87 the clamp gives a result under 1e-35 in size instead of another under 1e-35.
 */
function assertWithinBound(fast: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
  const ref = new Float32Array(n);
  swiglu(ref, gate, up, n);
  for (let i = 0; i < n; i++) {
    const bound = (4 * Math.abs(gate[i]) + 16) * U * Math.abs(ref[i]) + 1e-34 * Math.abs(up[i]);
    const err = Math.abs(fast[i] - ref[i]);
    if (!(err <= bound)) {
      assert.fail(
        `swigluFast: at ${i} (gate ${gate[i]}, up ${up[i]}) expected ${ref[i]}, got ${
          fast[i]
        }: |error| ${err} > ${bound}`,
      );
    }
  }
}

test("swigluFast() stays within its float32 error bound of swiglu() (float64), for gates up to ±100", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 70 }), fc.constantFrom(1, 8, 30, 100), fc.integer(), (n, scale, seed) => {
      const gate = randomArray(n, seed, scale), up = randomArray(n, seed + 1, 2);
      const out = new Float32Array(n).fill(-7);
      swigluFast(out, gate, up, n);
      assertWithinBound(out, gate, up, n);
    }),
    { numRuns: 300 },
  );
}, { skip });

test("swigluFast() at the edges: 0, ±87..89, ±1000 and Infinity saturate as silu does, NaN stays NaN", () => {
  const gate = new Float32Array([0, -0, 87, -87, 88.5, -88.5, 1000, -1000, Infinity, NaN, 1e-30]);
  const up = new Float32Array(gate.length).fill(1.5);
  const out = new Float32Array(gate.length);
  swigluFast(out, gate, up, gate.length);
  assertWithinBound(out.subarray(0, 8), gate, up, 8);
  assert.equal(out[8], Infinity);
  assert.ok(Number.isNaN(out[9]));
  assert.equal(out[10], Math.fround(1e-30 * 0.5 * 1.5));
}, { skip });

test("swigluFast() may write over gate or up, and leaves what follows n alone", () => {
  const n = 13, gate = randomArray(n + 3, 5, 8), up = randomArray(n + 3, 6);
  const want = new Float32Array(n);
  swigluFast(want, gate, up, n);
  const g = gate.slice(), u = up.slice();
  swigluFast(g, g, up, n);
  swigluFast(u, gate, u, n);
  assert.deepEqual([...g.subarray(0, n)], [...want]);
  assert.deepEqual([...u.subarray(0, n)], [...want]);
  assert.deepEqual([...g.subarray(n)], [...gate.subarray(n)]);
}, { skip });
