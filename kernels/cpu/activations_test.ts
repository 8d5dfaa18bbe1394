import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { erf, gelu, geluTanh, silu, swiglu } from "./activations.ts";
import { randomArray } from "./_random.ts";

// Reference erf from the all-positive series erf(x) = 2/√π · exp(-x²) · Σ_n 2ⁿ x^(2n+1) / (1·3·…·(2n+1)),
// which has no cancellation; slow but accurate to ~1e-15 for |x| ≤ 6.
function erfSeries(x: number): number {
  let term = x, sum = x;
  for (let n = 1; n < 400 && Math.abs(term) > 1e-18 * Math.abs(sum); n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

test("erf() matches known values", () => {
  const known: [number, number][] = [
    [0, 0],
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [3, 0.9999779095030014],
    [-1, -0.8427007929497149],
  ];
  for (const [x, want] of known) assertAllClose([erf(x)], [want], { atol: 1e-15, label: `erf(${x})` });
});

test("erf() is within 1e-7 (in fact ~1e-15) of its power series on [-6, 6] and ±1 beyond", () => {
  fc.assert(
    fc.property(fc.double({ min: -6, max: 6, noNaN: true }), (x) => {
      assert.ok(Math.abs(erf(x) - erfSeries(x)) < 1e-14, `erf(${x}) = ${erf(x)}, series ${erfSeries(x)}`);
    }),
    { numRuns: 500 },
  );
  assert.equal(erf(7), 1);
  assert.equal(erf(-40), -1);
  assert.ok(Number.isNaN(erf(NaN)));
});

test("silu() matches known values", () => {
  assertAllClose([silu(1), silu(0), silu(-1)], [0.7310585786300049, 0, -0.2689414213699951], {
    atol: 1e-15,
    label: "silu",
  });
  assert.equal(silu(-1000), -0);
  assert.equal(silu(1000), 1000);
});

test("swiglu() is silu(gate) · up elementwise and may write over gate", () => {
  const n = 33;
  const gate = randomArray(n, 1, 6), up = randomArray(n, 2, 3);
  const expected = Array.from(gate, (g, i) => (g / (1 + Math.exp(-g))) * up[i]);
  const out = new Float32Array(n);
  swiglu(out, gate, up, n);
  assertAllClose(out, expected, { atol: 1e-6, label: "swiglu" });
  swiglu(gate, gate, up, n);
  assert.deepEqual(gate, out);
});

test("gelu() matches known values of x · Φ(x)", () => {
  const out = new Float32Array(3);
  gelu(out, new Float32Array([1, -1, 0]), 3);
  assertAllClose(out, [0.8413447460685429, -0.15865525393145707, 0], { atol: 1e-7, label: "gelu" });
});

test("gelu(x) - gelu(-x) = x", () => {
  fc.assert(
    fc.property(fc.float({ min: -20, max: 20, noNaN: true }), (v) => {
      const pos = new Float32Array(1), neg = new Float32Array(1);
      gelu(pos, new Float32Array([v]), 1);
      gelu(neg, new Float32Array([-v]), 1);
      assertAllClose([pos[0] - neg[0]], [v], { atol: 1e-6, rtol: 1e-6, label: `gelu(${v}) - gelu(${-v})` });
    }),
    { numRuns: 300 },
  );
});

test("geluTanh() stays within 1e-3 of exact gelu() and matches a known value", () => {
  const n = 101;
  const x = Float32Array.from({ length: n }, (_, i) => -5 + i / 10);
  const exact = new Float32Array(n), approx = new Float32Array(n);
  gelu(exact, x, n);
  geluTanh(approx, x, n);
  assertAllClose(approx, exact, { atol: 1e-3, label: "geluTanh vs gelu" });
  const one = new Float32Array(1);
  geluTanh(one, new Float32Array([1]), 1);
  // 0.5 · (1 + tanh(√(2/π) · 1.044715))
  assertAllClose(one, [0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715))], { atol: 1e-7, label: "geluTanh(1)" });
  assertAllClose(one, [0.8411919906082768], { atol: 1e-7, label: "geluTanh(1)" });
});
