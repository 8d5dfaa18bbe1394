import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { dequantizeGptqNaive } from "./gptq.ts";
import {
  cholesky,
  dequantizeCodes,
  gptqQuantize,
  invertLower,
  packGptq,
  type QuantizedLinear,
  roundHalfEven,
  rtnQuantize,
  upperCholeskyOfInverse,
} from "./gptq_quantize.ts";
import { randomArray } from "./_random.ts";

/** Correlated inputs X [n, K] (a random mix of a few directions) and the Hessian 2/n Σ x xᵀ. */
function hessianOf(K: number, n: number, seed: number): { x: Float64Array; h: Float64Array } {
  const r = Math.max(1, Math.floor(K / 3));
  const mix = randomArray(r * K, seed), z = randomArray(n * r, seed + 1), noise = randomArray(n * K, seed + 2, 0.05);
  const x = new Float64Array(n * K);
  for (let t = 0; t < n; t++) {
    for (let k = 0; k < K; k++) {
      let s = noise[t * K + k];
      for (let j = 0; j < r; j++) s += z[t * r + j] * mix[j * K + k];
      x[t * K + k] = s;
    }
  }
  const h = new Float64Array(K * K);
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) h[i * K + j] += (2 / n) * x[t * K + i] * x[t * K + j];
  }
  return { x, h };
}

/** Σ_t ‖(W − Q) x_t‖²: the output error GPTQ minimises. */
function outputError(w: Float32Array, q: QuantizedLinear, x: Float64Array, n: number): number {
  const { K, N } = q, dq = dequantizeCodes(q);
  let e = 0;
  for (let t = 0; t < n; t++) {
    for (let o = 0; o < N; o++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (w[o * K + k] - dq[o * K + k]) * x[t * K + k];
      e += s * s;
    }
  }
  return e;
}

test("roundHalfEven() rounds halves to even like torch.round", () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6].map(roundHalfEven), [0, 2, 2, -0, -2, 2, -3]);
});

test("cholesky() factors a positive definite matrix and refuses an indefinite one", () => {
  const { h } = hessianOf(6, 40, 3);
  const l = cholesky(h, 6)!;
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 6; j++) {
      let s = 0;
      for (let k = 0; k < 6; k++) s += l[i * 6 + k] * l[j * 6 + k];
      assert.ok(Math.abs(s - h[i * 6 + j]) < 1e-9, `LLᵀ[${i},${j}]`);
    }
  }
  assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), null);
});

/** The textbook twin of cholesky(), one entry at a time. */
function choleskyNaive(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = i === j ? Math.sqrt(s) : s / l[j * n + j];
    }
  }
  return l;
}

/** The textbook twin of upperCholeskyOfInverse(): L = chol(H), H⁻¹ = L⁻ᵀ L⁻¹, U = chol(H⁻¹)ᵀ. */
function upperCholeskyOfInverseNaive(h: Float64Array, n: number): Float64Array {
  const l = choleskyNaive(h, n), linv = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    linv[j * n + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * n + k] * linv[k * n + j];
      linv[i * n + j] = s / l[i * n + i];
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (let k = Math.max(i, j); k < n; k++) inv[i * n + j] += linv[k * n + i] * linv[k * n + j];
    }
  }
  const l2 = choleskyNaive(inv, n), u = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) u[j * n + i] = l2[i * n + j];
  return u;
}

test("cholesky(), upperCholeskyOfInverse() and invertLower() equal their textbook twins", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 23 }), fc.integer({ min: 1, max: 1000 }), (n, seed) => {
      const { h } = hessianOf(n, 3 * n, seed);
      for (let i = 0; i < n; i++) h[i * n + i] += 0.01;
      const u = upperCholeskyOfInverse(h, n)!, ref = upperCholeskyOfInverseNaive(h, n);
      for (let i = 0; i < n * n; i++) {
        assert.ok(Math.abs(u[i] - ref[i]) <= 1e-9 * (1 + Math.abs(ref[i])), `U[${i}] ${u[i]} vs ${ref[i]}`);
      }
      const l = cholesky(h, n)!, x = invertLower(l, n); // L · L⁻¹ = I
      assert.deepEqual(l, choleskyNaive(h, n), "four rows at a time sum as one row at a time");
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += l[i * n + k] * x[k * n + j];
          assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-9, `(L L⁻¹)[${i},${j}] = ${s}`);
        }
      }
    }),
    { numRuns: 40 },
  );
});

test("rtnQuantize() puts every weight on its group's grid, at most half a step away", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(2, 3, 4, 8),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 9 }),
      fc.constantFrom(-1, 4, 7, 16),
      fc.boolean(),
      fc.integer(),
      (bits, K, N, groupSize, sym, seed) => {
        const w = randomArray(N * K, seed);
        const q = rtnQuantize(w, N, K, { bits, groupSize, sym });
        const dq = dequantizeCodes(q);
        for (const z of q.zeros) assert.ok(z >= 1 && z < 2 ** bits, `zero point ${z}`); // v1 stores z − 1
        for (let n = 0; n < N; n++) {
          for (let k = 0; k < K; k++) {
            const g = q.g_idx[k], s = q.scales[g * N + n];
            const c = q.codes[n * K + k];
            assert.ok(c >= 0 && c < 2 ** bits);
            // Inside the grid's range the error is at most half a step (clamping only cuts sym's top code).
            const inside = sym ? Math.abs(w[n * K + k]) <= s * (2 ** bits - 1) / 2 : true;
            if (inside) assert.ok(Math.abs(dq[n * K + k] - w[n * K + k]) <= s / 2 + 1e-12, `w[${n},${k}]`);
          }
        }
      },
    ),
    { numRuns: 100 },
  );
});

test("packGptq() then the loader's dequantization gives the weights the codes say (v1 and v2 zero points)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(2, 3, 4, 8),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 40 }),
      fc.constantFrom(-1, 8, 32),
      fc.boolean(),
      fc.constantFrom(0, 1),
      fc.integer(),
      (bits, K, N, groupSize, sym, zeroOffset, seed) => {
        const q = rtnQuantize(randomArray(N * K, seed), N, K, { bits, groupSize, sym, roundScale: Math.fround });
        if (zeroOffset === 1 && q.zeros.some((z) => z === 0)) return; // v1 cannot store a zero point of 0
        const got = dequantizeGptqNaive(packGptq(q, bits, zeroOffset));
        const want = dequantizeCodes(q);
        got.forEach((v, i) => assert.equal(v, Math.fround(want[i]), `W[${i}]`));
      },
    ),
    { numRuns: 100 },
  );
});

test("gptqQuantize() has a smaller output error than round-to-nearest on correlated inputs", () => {
  for (const [bits, groupSize, descAct] of [[3, 16, false], [4, -1, false], [4, 16, true], [2, 8, true]] as const) {
    for (const seed of [1, 2, 3]) {
      const K = 48, N = 10, n = 200;
      const { x, h } = hessianOf(K, n, seed);
      const w = randomArray(N * K, seed + 9);
      const opts = { bits, groupSize, sym: true, descAct, blockSize: 20 };
      const gptq = gptqQuantize(w, h, N, K, opts)!;
      const rtn = rtnQuantize(w, N, K, opts);
      const eg = outputError(w, gptq, x, n), er = outputError(w, rtn, x, n);
      assert.ok(eg < er, `bits ${bits} group ${groupSize} act-order ${descAct} seed ${seed}: GPTQ ${eg} vs RTN ${er}`);
      if (descAct) assert.ok(gptq.g_idx.some((g, k) => g !== Math.floor(k / groupSize)), "act-order permutes g_idx");
    }
  }
});

test("gptqQuantize() with a diagonal Hessian is round-to-nearest (no correlations to exploit)", () => {
  const K = 20, N = 4, h = new Float64Array(K * K);
  for (let k = 0; k < K; k++) h[k * K + k] = 1;
  const w = randomArray(N * K, 5);
  const opts = { bits: 4, groupSize: 5, sym: false };
  assert.deepEqual(gptqQuantize(w, h, N, K, opts)!.codes, rtnQuantize(w, N, K, opts).codes);
});

test("an asymmetric group that is (almost) all positive gets zero point 1, not 0, on a grid that still covers it", () => {
  // xmin = −0.001, xmax = 1: AutoGPTQ's zero point, round(0.001 / (1.001 / maxq)), is 0 at every b ≤ 8.
  const K = 8, N = 2, h = new Float64Array(K * K);
  for (let k = 0; k < K; k++) h[k * K + k] = 1;
  const w = Float64Array.from({ length: N * K }, (_, i) => (i % K === 0 ? -0.001 : (i % K) / (K - 1)));
  for (const bits of [2, 3, 4, 8]) {
    const opts = { bits, groupSize: 4, sym: false };
    for (const q of [rtnQuantize(w, N, K, opts), gptqQuantize(w, h, N, K, opts)!]) {
      const dq = dequantizeCodes(q);
      for (let n = 0; n < N; n++) {
        for (let g = 0; g < 2; g++) {
          const s = q.scales[g * N + n];
          assert.ok(q.zeros[g * N + n] >= 1, `bits ${bits}: zero ${q.zeros[g * N + n]}`);
          for (let k = 4 * g; k < 4 * g + 4; k++) assert.ok(Math.abs(dq[n * K + k] - w[n * K + k]) <= s / 2 + 1e-12);
        }
      }
      assert.equal(q.zeros[0], 1, `bits ${bits}: the group with xmin = −0.001`);
    }
  }
});
