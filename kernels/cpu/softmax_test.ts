import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { softmax } from "./softmax.ts";
import { randomArray } from "./_random.ts";

test("softmax() rows are non-negative and sum to 1", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 50 }), fc.integer(), (rows, cols, seed) => {
      const x = randomArray(rows * cols, seed, 30);
      softmax(x, rows, cols);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let j = 0; j < cols; j++) {
          assert.ok(x[r * cols + j] >= 0);
          sum += x[r * cols + j];
        }
        assert.ok(Math.abs(sum - 1) < 1e-6, `row ${r}: sum ${sum}`);
      }
    }),
    { numRuns: 100 },
  );
});

test("softmax() is invariant to adding a constant to a row", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 30 }),
      fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 4, maxLength: 4 }),
      fc.integer(),
      (rows, cols, shifts, seed) => {
        const x = randomArray(rows * cols, seed, 5);
        const y = x.map((v, i) => v + shifts[Math.floor(i / cols)]);
        softmax(x, rows, cols);
        softmax(y, rows, cols);
        assertAllClose(y, x, { atol: 1e-4, label: "softmax(x + c)" });
      },
    ),
    { numRuns: 100 },
  );
});

test("softmax() gives masked (-Infinity) entries probability 0", () => {
  const x = new Float32Array([1, -Infinity, 2, -Infinity, -Infinity, 0, -Infinity, -Infinity]);
  softmax(x, 2, 4);
  const e = Math.exp(1) / (Math.exp(1) + Math.exp(2));
  assertAllClose(x, [e, 0, 1 - e, 0, 0, 1, 0, 0], { atol: 1e-7, label: "p" });
});

test("softmax() of a row of equal values is uniform, even for huge values", () => {
  for (const v of [0, 7, -3e4, 1e30]) {
    const x = new Float32Array(5).fill(v);
    softmax(x, 1, 5);
    assertAllClose(x, new Float32Array(5).fill(0.2), { atol: 1e-7, label: `softmax([${v} × 5])` });
  }
});

test("softmax() of a row with no finite entry is NaN, like torch", () => {
  const x = new Float32Array([-Infinity, -Infinity]);
  softmax(x, 1, 2);
  assert.ok(Number.isNaN(x[0]) && Number.isNaN(x[1]));
});
