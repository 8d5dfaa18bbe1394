import assert from "node:assert/strict";
import { test } from "../../src/testing/harness.ts";
import { alibiSlopes } from "./alibi.ts";

test("alibiSlopes(8) is [1/2, 1/4, ..., 1/256]", () => {
  assert.deepEqual(Array.from(alibiSlopes(8)), [1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64, 1 / 128, 1 / 256]);
});

test("alibiSlopes() of a power of two n is start^(h+1) with start = 2^(-8/n)", () => {
  for (const n of [1, 2, 4, 16, 32, 64]) {
    const start = 2 ** (-8 / n);
    assert.deepEqual(alibiSlopes(n), new Float32Array(Array.from({ length: n }, (_, h) => start ** (h + 1))));
  }
});

// BLOOM's get_slopes for n not a power of two: the closest power of two below (c) plus every
// other slope of the 2c case, written out from the formula.
function bloomSlopes(n: number): number[] {
  const pow2 = (m: number) => Array.from({ length: m }, (_, i) => (2 ** (-(2 ** -(Math.log2(m) - 3)))) ** (i + 1));
  const c = 2 ** Math.floor(Math.log2(n));
  return [...pow2(c), ...pow2(2 * c).filter((_, i) => i % 2 === 0).slice(0, n - c)];
}

test("alibiSlopes(12) gives BLOOM's slopes: 8 powers of 1/2, then 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5", () => {
  const s = alibiSlopes(12);
  assert.equal(s.length, 12);
  assert.deepEqual(Array.from(s.slice(0, 8)), [0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625]);
  assert.equal(s[8], Math.fround(0.7071067811865476)); // 2^-0.5
  assert.equal(s[9], Math.fround(0.3535533905932738)); // 2^-1.5
  assert.equal(s[10], Math.fround(0.1767766952966369)); // 2^-2.5
  assert.equal(s[11], Math.fround(0.08838834764831845)); // 2^-3.5
  assert.deepEqual(s, new Float32Array(bloomSlopes(12)));
});

test("alibiSlopes() matches BLOOM's formula for every head count up to 80 (Baichuan2-13B has 40)", () => {
  for (let n = 1; n <= 80; n++) {
    const got = alibiSlopes(n), want = new Float32Array(bloomSlopes(n));
    assert.equal(got.length, n);
    for (let h = 0; h < n; h++) {
      assert.ok(Math.abs(got[h] - want[h]) <= 1e-7 * want[h], `n=${n} h=${h}: ${got[h]} vs ${want[h]}`);
    }
  }
});
