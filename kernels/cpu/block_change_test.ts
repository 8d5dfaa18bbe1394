import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { blockChangeSums, blockChangeSumsNaive } from "./block_change.ts";
import { randomArray } from "./_random.ts";
import { blockChangeCases as cases } from "./_fixtures.ts";
import { assertSameBits } from "./_same_bits.ts";

/** Runs `kernel` on an `out` poisoned with -7 and checks that only the slot's pair changed. */
function run(
  kernel: typeof blockChangeSums,
  x: Float32Array,
  y: Float32Array,
  T: number,
  D: number,
  slot = 0,
  size = 2 * slot + 2,
): [number, number] {
  const out = new Float32Array(size).fill(-7);
  kernel(out, x, y, T, D, slot);
  for (let i = 0; i < size; i++) {
    if (i !== 2 * slot && i !== 2 * slot + 1) assert.equal(out[i], -7, `out[${i}] written with slot ${slot}`);
  }
  return [out[2 * slot], out[2 * slot + 1]];
}

test("blockChangeSums() equals blockChangeSumsNaive() bit for bit and writes only its slot", () => {
  fc.assert(
    fc.property(cases, ({ T, D, x, y, slot, size, label }) => {
      const fast = new Float32Array(run(blockChangeSums, x, y, T, D, slot, size));
      const naive = new Float32Array(run(blockChangeSumsNaive, x, y, T, D, slot, size));
      assertSameBits(fast, naive, label);
    }),
    { numRuns: 300 },
  );
});

test("blockChangeSums() by hand: y = x, y = −x, y = 3x, orthogonal rows", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (T, D, seed) => {
      const x = randomArray(T * D, seed, 5);
      const label = `T=${T} D=${D}`;
      // y = x: cos = 1 up to float64 rounding of √(x·x)², no change.
      assertAllClose(run(blockChangeSums, x, x, T, D), [0, 0], { atol: 1e-12 * T, label: `y = x, ${label}` });
      // y = −x: cos = −1, ‖−2x‖ / ‖x‖ = 2 (exact: scaling by −1 and 2 rounds nothing).
      const neg = x.map((v) => -v);
      assertAllClose(run(blockChangeSums, x, neg, T, D), [2 * T, 2 * T], {
        atol: 1e-12 * T,
        label: `y = −x, ${label}`,
      });
      // y = 3x: cos = 1, ‖2x‖ / ‖3x‖ = 2/3 (3x is rounded to float32, hence the tolerance).
      const three = x.map((v) => 3 * v);
      assertAllClose(run(blockChangeSums, x, three, T, D), [0, 2 / 3 * T], {
        atol: 1e-6 * T,
        label: `y = 3x, ${label}`,
      });
    }),
    { numRuns: 50 },
  );
  // Orthogonal rows: cos = 0; relmag = ‖(−1, 2)‖ / 2 and ‖(−3, 4)‖ / 4.
  const out = run(blockChangeSums, new Float32Array([1, 0, 0, 3]), new Float32Array([0, 2, 4, 0]), 2, 2);
  assertAllClose(out, [2, Math.sqrt(5) / 2 + 5 / 4], { atol: 1e-6, label: "orthogonal rows" });
});

test("blockChangeSums() zero rows: cos = 0.5 when a norm is 0, relmag 0 when ‖y‖ = 0", () => {
  const D = 3;
  const x = new Float32Array([0, 0, 0, 0, 0, 0, 1, 2, 2]);
  const y = new Float32Array([0, 0, 0, 3, 0, 4, 0, 0, 0]);
  // row 0: both zero (0.5, 0); row 1: x zero (0.5, ‖y‖/‖y‖ = 1); row 2: y zero (0.5, 0)
  assert.deepEqual(run(blockChangeSums, x, y, 3, D), [1.5, 1]);
  assert.deepEqual(run(blockChangeSumsNaive, x, y, 3, D), [1.5, 1]);
  assert.deepEqual(run(blockChangeSums, x, y, 0, D), [0, 0], "T = 0 sets both sums to 0");
});

test("blockChangeSums() propagates NaN and ±Inf into the sums instead of masking them", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 20 }),
      fc.nat(),
      fc.constantFrom(NaN, Infinity, -Infinity),
      fc.constantFrom("x", "y"),
      fc.boolean(),
      fc.integer(),
      (T, D, pos, bad, where, zeroY, seed) => {
        const x = randomArray(T * D, seed), y = randomArray(T * D, seed + 1);
        const i = pos % (T * D), t = Math.floor(i / D);
        if (zeroY && where === "x") y.fill(0, t * D, (t + 1) * D);
        (where === "x" ? x : y)[i] = bad;
        const label = `${bad} in ${where}[${i}], T=${T} D=${D}${zeroY && where === "x" ? ", that y row zero" : ""}`;
        for (const kernel of [blockChangeSums, blockChangeSumsNaive]) {
          const [bi, rm] = run(kernel, x, y, T, D);
          assert.ok(Number.isNaN(bi), `${kernel.name}: Σ(1 − cos) = ${bi} with ${label}`);
          // The one masked case is the relmag convention itself: a zero y row contributes 0.
          if (!(zeroY && where === "x")) {
            assert.ok(!Number.isFinite(rm), `${kernel.name}: Σ relmag = ${rm} with ${label}`);
          }
        }
      },
    ),
    { numRuns: 200 },
  );
});
