// The SIMD Cholesky factor and triangular inverse (gptq_linalg_wasm.ts) against the JavaScript
// loops of gptq_linalg.ts, bit for bit: the same matrix in a plain array takes the JavaScript path.
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { cholesky, invertLower } from "./gptq_linalg.ts";
import { inWasmMemory, squareMatrix } from "./gptq_linalg_wasm.ts";
import { randomArray } from "./_random.ts";

/** A symmetric positive definite [n,n]: a Gram matrix of m random rows plus `ridge` on the diagonal. */
function spd(n: number, m: number, seed: number, ridge: number): Float64Array {
  const x = randomArray(m * n, seed), h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < m; t++) s += x[t * n + i] * x[t * n + j];
      h[i * n + j] = s + (i === j ? ridge : 0);
    }
  }
  return h;
}

const sameBits = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

test("squareMatrix() puts the matrix in WebAssembly memory (every supported runtime has SIMD), zeroed", () => {
  const a = squareMatrix(37);
  assert.ok(inWasmMemory(a), "not in WebAssembly memory: the JavaScript loops would run");
  assert.equal(a.length, 37 * 37);
  assert.ok(a.every((v) => v === 0));
  assert.ok(!inWasmMemory(new Float64Array(37 * 37)));
});

test("cholesky() and invertLower() in place in WebAssembly memory give the JavaScript loops' bits", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer(),
      fc.constantFrom(1e-3, 0.1, 10),
      (n, m, seed, ridge) => {
        const h = spd(n, m, seed, ridge);
        const js = Float64Array.from(h), simd = squareMatrix(n);
        simd.set(h);
        assert.ok(cholesky(js, n, js) && cholesky(simd, n, simd), "positive definite");
        assert.ok(sameBits(simd, js), `cholesky, n = ${n}`);
        invertLower(js, n, js);
        invertLower(simd, n, simd);
        assert.ok(sameBits(simd, js), `invertLower, n = ${n}`);
      },
    ),
    { numRuns: 60 },
  );
});

test("cholesky() in WebAssembly memory refuses an indefinite matrix where the JavaScript loop does", () => {
  for (const n of [5, 8, 19, 33]) {
    for (const bad of [0, Math.floor(n / 2), n - 1]) {
      const h = spd(n, n + 3, n + bad, 0.1);
      h[bad * n + bad] = -1; // no Cholesky factor
      const js = Float64Array.from(h), simd = squareMatrix(n);
      simd.set(h);
      assert.equal(cholesky(js, n, js), null);
      assert.equal(cholesky(simd, n, simd), null, `n = ${n}, bad row ${bad}`);
    }
  }
});
