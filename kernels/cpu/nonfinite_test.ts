// anyNonFinite() against its plain twin (Number.isFinite) on random arrays with NaN, ±Inf and the
// largest finite values planted at random places, and the hand cases. Exact: a yes/no answer.
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { randomArray } from "./_random.ts";
import { anyNonFinite, anyNonFiniteNaive } from "./nonfinite.ts";

const SPECIAL = [NaN, Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, 0];

test("anyNonFinite() equals its Number.isFinite twin on arrays with planted specials", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 300 }),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(...SPECIAL)), { maxLength: 4 }),
      fc.integer(),
      (n, plants, seed) => {
        const x = randomArray(n + 3, seed, 10);
        for (const [at, v] of plants) x[at % x.length] = v;
        const got = new Float32Array(1), want = new Float32Array(1);
        anyNonFinite(got, x, n);
        anyNonFiniteNaive(want, x, n);
        assert.equal(got[0], want[0], `n=${n} plants=${JSON.stringify(plants)}`);
      },
    ),
    { numRuns: 300 },
  );
});

test("anyNonFinite() by hand: finite extremes are fine, NaN and ±Inf are not, beyond n is not looked at", () => {
  const out = new Float32Array(1);
  anyNonFinite(out, Float32Array.of(3.4e38, -3.4e38, 0, -0, 1e-45), 5);
  assert.equal(out[0], 0);
  for (const v of [NaN, Infinity, -Infinity]) {
    anyNonFinite(out, Float32Array.of(1, v), 2);
    assert.equal(out[0], 1, String(v));
    anyNonFinite(out, Float32Array.of(1, v), 1);
    assert.equal(out[0], 0, `${v} beyond n`);
  }
  anyNonFinite(out, new Float32Array(0), 0);
  assert.equal(out[0], 0);
});
