import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { rope, ropeAttentionFactor, ropeInvFreq } from "./rope.ts";
import { randomArray } from "./_random.ts";

function headNorms(x: Float32Array, rows: number, Hd: number): number[] {
  const norms = [];
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let i = 0; i < Hd; i++) ss += x[r * Hd + i] ** 2;
    norms.push(Math.sqrt(ss));
  }
  return norms;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const evenHeadDim = fc.integer({ min: 1, max: 16 }).map((n) => 2 * n);

test("rope() preserves the norm of every head vector", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 4 }),
      evenHeadDim,
      fc.integer({ min: 0, max: 5000 }),
      fc.integer(),
      (T, nHeads, Hd, pos0, seed) => {
        const x = randomArray(T * nHeads * Hd, seed);
        const before = headNorms(x, T * nHeads, Hd);
        rope(x, T, nHeads, Hd, pos0, ropeInvFreq(Hd, 10000));
        assertAllClose(headNorms(x, T * nHeads, Hd), before, { atol: 1e-6, rtol: 1e-6, label: "norm" });
      },
    ),
    { numRuns: 100 },
  );
});

test("rope() makes q·k depend only on the position difference", () => {
  fc.assert(
    fc.property(
      evenHeadDim,
      fc.integer({ min: 0, max: 2000 }),
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 1, max: 2000 }),
      fc.integer(),
      (Hd, p, d, shift, seed) => {
        const invFreq = ropeInvFreq(Hd, 10000);
        const q = randomArray(Hd, seed), k = randomArray(Hd, seed + 1);
        const q1 = q.slice(), k1 = k.slice(), q2 = q.slice(), k2 = k.slice();
        rope(q1, 1, 1, Hd, p, invFreq);
        rope(k1, 1, 1, Hd, p + d, invFreq);
        rope(q2, 1, 1, Hd, p + shift, invFreq);
        rope(k2, 1, 1, Hd, p + shift + d, invFreq);
        assertAllClose([dot(q2, k2)], [dot(q1, k1)], {
          atol: 1e-5,
          rtol: 1e-5,
          label: `q·k at (${p}, ${p + d}) +${shift}`,
        });
      },
    ),
    { numRuns: 100 },
  );
});

test("rope() at position 0 is the identity", () => {
  const T = 1, nHeads = 3, Hd = 8;
  const x = randomArray(T * nHeads * Hd, 42);
  const y = x.slice();
  rope(y, T, nHeads, Hd, 0, ropeInvFreq(Hd, 500000));
  assert.deepEqual(y, x);
});

test("rope() rotates the pair (x[i], x[i + Hd/2]) (rotate_half), not (x[2i], x[2i+1])", () => {
  // Hd = 4, invFreq = [1, 0.01]; at position 1 the pair (x[0], x[2]) turns by 1 radian.
  const x = new Float32Array([1, 0, 0, 0]);
  rope(x, 1, 1, 4, 1, ropeInvFreq(4, 10000));
  assertAllClose(x, [Math.cos(1), 0, Math.sin(1), 0], { atol: 1e-7, label: "x" });
});

test("rope() places token t at position pos0 + t", () => {
  const Hd = 6, invFreq = ropeInvFreq(Hd, 10000);
  const x = randomArray(3 * Hd, 9);
  const all = x.slice();
  rope(all, 3, 1, Hd, 10, invFreq);
  const last = x.slice(2 * Hd);
  rope(last, 1, 1, Hd, 12, invFreq);
  assert.deepEqual(all.slice(2 * Hd), last);
});

test("ropeInvFreq() is theta^(-2i/Hd)", () => {
  assertAllClose(ropeInvFreq(8, 10000), [1, 0.1, 0.01, 0.001], { rtol: 1e-15, atol: 0, label: "invFreq" });
  assertAllClose(ropeInvFreq(8, 10000, null), [1, 0.1, 0.01, 0.001], { rtol: 1e-15, atol: 0, label: "invFreq" });
  assertAllClose(ropeInvFreq(8, 10000, { rope_type: "default" }), [1, 0.1, 0.01, 0.001], {
    rtol: 1e-15,
    atol: 0,
    label: "invFreq",
  });
});

test("ropeInvFreq() with llama3 scaling keeps high, divides low and blends medium frequencies", () => {
  // Hd = 8, theta = 1e4: invFreq = [1, 0.1, 0.01, 0.001], wavelengths 2π/invFreq = [6.28, 62.8, 628, 6283].
  // original_max_position_embeddings = 1024, low_freq_factor = 1, high_freq_factor = 4, factor = 8:
  // λ_low = 1024 / 1 = 1024, λ_high = 1024 / 4 = 256.
  const scaling = {
    rope_type: "llama3",
    factor: 8,
    low_freq_factor: 1,
    high_freq_factor: 4,
    original_max_position_embeddings: 1024,
  };
  const s = (1024 / (2 * Math.PI / 0.01) - 1) / (4 - 1); // medium band, λ = 628.3
  const expected = [
    1, // λ = 6.28 < 256: unchanged
    0.1, // λ = 62.8 < 256: unchanged
    (1 - s) * 0.01 / 8 + s * 0.01, // 256 ≤ λ ≤ 1024: blended
    0.001 / 8, // λ = 6283 > 1024: divided by factor
  ];
  assert.ok(Math.abs(s - 0.20991553908700275) < 1e-15);
  assert.ok(Math.abs(expected[2] - 0.003086760967011274) < 1e-15);
  assertAllClose(ropeInvFreq(8, 10000, scaling), expected, { rtol: 1e-14, atol: 0, label: "invFreq" });
});

test("ropeInvFreq() with linear scaling at factor f and position p equals no scaling at p / f", () => {
  fc.assert(
    fc.property(
      evenHeadDim,
      fc.integer({ min: 0, max: 4000 }),
      fc.constantFrom(2, 4, 8),
      fc.integer(),
      (Hd, p, f, seed) => {
        const x = randomArray(2 * Hd, seed);
        const scaled = x.slice(), plain = x.slice();
        rope(scaled, 1, 2, Hd, p, ropeInvFreq(Hd, 10000, { type: "linear", factor: f }));
        rope(plain, 1, 2, Hd, p / f, ropeInvFreq(Hd, 10000));
        assertAllClose(scaled, plain, { atol: 1e-6, label: `linear f=${f} p=${p}` });
      },
    ),
    { numRuns: 50 },
  );
});

test("ropeInvFreq() refuses a kind it does not compute, naming it", () => {
  assert.throws(() => ropeInvFreq(8, 10000, { rope_type: "su", factor: 4 }), /"su".*llama3/);
});

test("ropeInvFreq() says which llama3 field is missing", () => {
  assert.throws(
    () => ropeInvFreq(8, 10000, { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4 }),
    /original_max_position_embeddings/,
  );
});

test("ropeInvFreq() with yarn blends interpolation and extrapolation along the ramp (hand-computed)", () => {
  // Hd = 8, θ = 1e4, factor 4, original 64: correction dims of 32 and 1 rotations are -0.50 and
  // 1.01, truncated to low 0, high 2; ramp (i - 0) / 2 = [0, 0.5, 1, 1], extrapolation weight
  // 1 - ramp. invFreq [1, 0.1, 0.01, 0.001] becomes [1, 0.5·0.1/4 + 0.5·0.1, 0.01/4, 0.001/4].
  const yarn = { rope_type: "yarn", factor: 4, original_max_position_embeddings: 64 };
  assertAllClose(ropeInvFreq(8, 10000, yarn, { maxPositions: 256 }), [1, 0.0625, 0.0025, 0.00025], {
    rtol: 1e-12,
    label: "yarn invFreq",
  });
  // attention_factor defaults to 0.1 · ln(factor) + 1; an explicit one wins.
  assert.equal(ropeAttentionFactor(yarn, { maxPositions: 256 }), 0.1 * Math.log(4) + 1);
  assert.equal(ropeAttentionFactor({ ...yarn, attention_factor: 0.5 }, { maxPositions: 256 }), 0.5);
});

test("ropeInvFreq() with dynamic NTK keeps θ up to max_position_embeddings and grows it beyond", () => {
  const dyn = { rope_type: "dynamic", factor: 2 };
  assert.deepEqual(ropeInvFreq(8, 10000, dyn, { maxPositions: 16, seqLen: 16 }), ropeInvFreq(8, 10000));
  // seqLen 32: θ' = 1e4 · (2 · 32/16 - 1)^(8/6) = 1e4 · 3^(4/3).
  const base = 10000 * Math.pow(3, 4 / 3);
  assertAllClose(
    ropeInvFreq(8, 10000, dyn, { maxPositions: 16, seqLen: 32 }),
    [0, 1, 2, 3].map((i) => Math.pow(base, -2 * i / 8)),
    { rtol: 1e-12, label: "dynamic invFreq" },
  );
});

test("ropeInvFreq() with longrope divides by short_factor up to the original length, long_factor beyond", () => {
  const lr = { rope_type: "longrope", short_factor: [1, 2], long_factor: [3, 4], original_max_position_embeddings: 8 };
  assertAllClose(ropeInvFreq(4, 10000, lr, { maxPositions: 32, seqLen: 8 }), [1, 0.01 / 2], { rtol: 1e-12 });
  assertAllClose(ropeInvFreq(4, 10000, lr, { maxPositions: 32, seqLen: 9 }), [1 / 3, 0.01 / 4], { rtol: 1e-12 });
  // factor = 32 / 8 = 4 → sqrt(1 + ln 4 / ln 8)
  assert.equal(ropeAttentionFactor(lr, { maxPositions: 32 }), Math.sqrt(1 + Math.log(4) / Math.log(8)));
});

test("rope() with scale s equals s times the plain rotation", () => {
  const Hd = 8, invFreq = ropeInvFreq(Hd, 10000);
  const x = randomArray(2 * Hd, 5);
  const plain = x.slice(), scaled = x.slice();
  rope(plain, 2, 1, Hd, 3, invFreq);
  rope(scaled, 2, 1, Hd, 3, invFreq, 1.25);
  assertAllClose(scaled, Array.from(plain, (v) => v * 1.25), { atol: 1e-6, label: "scaled" });
});
