import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../testing/harness.ts";
import { formatTick, linearAxis, logAxis, niceEvery, niceStep, niceTicks, scale } from "./_axes.ts";

const labelled = (ticks: { v: number; label?: string }[]) => ticks.filter((t) => t.label !== undefined);

test("niceTicks() covers 0..7.3 with 1-2-5 steps", () => {
  assert.deepEqual(niceTicks(0, 7.3, { maxTicks: 5 }).ticks, [0, 2, 4, 6, 8]);
  assert.deepEqual(niceTicks(0, 7.3, { maxTicks: 10 }).ticks, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(niceTicks(0.1, 0.33, { maxTicks: 5 }).ticks, [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
  assert.deepEqual(niceTicks(-3.2, 7.1, { maxTicks: 4 }).ticks, [-5, 0, 5, 10]);
});

test("niceTicks() without extend keeps ticks inside the range, and integers gives whole steps", () => {
  const t = niceTicks(0, 31, { maxTicks: 8, extend: false, integers: true });
  assert.deepEqual(t.ticks, [0, 5, 10, 15, 20, 25, 30]);
  assert.equal(t.lo, 0);
  assert.equal(t.hi, 31);
  assert.deepEqual(niceTicks(0, 3, { maxTicks: 10, extend: false, integers: true }).ticks, [0, 1, 2, 3]);
});

test("niceTicks() pads a range whose ends are equal instead of collapsing", () => {
  const t = niceTicks(5, 5);
  assert.ok(t.lo < 5 && t.hi > 5, `lo ${t.lo} hi ${t.hi}`);
  const z = niceTicks(0, 0);
  assert.ok(z.lo < 0 && z.hi > 0);
});

test("niceStep() picks 1, 2 or 5 times a power of ten", () => {
  assert.equal(niceStep(7.3, 5), 2);
  assert.equal(niceStep(1e6, 5), 200000);
  assert.equal(niceStep(0.003, 3), 0.001);
  assert.equal(niceEvery(1), 1);
  assert.equal(niceEvery(1.3), 2);
  assert.equal(niceEvery(3), 5);
  assert.equal(niceEvery(7), 10);
});

// Widening both ends to whole steps adds up to two ticks, and niceStep() tolerates 1e-9 of
// rounding, so an axis may hold maxTicks + 3 ticks (maxTicks + 2 intervals) at most.
test("niceTicks() property: sorted, finite, covering [min, max], at most maxTicks + 3", () => {
  fc.assert(fc.property(
    fc.double({ min: -1e300, max: 1e300, noNaN: true }),
    fc.double({ min: -1e300, max: 1e300, noNaN: true }),
    fc.integer({ min: 2, max: 12 }),
    (a, b, maxTicks) => {
      const t = niceTicks(a, b, { maxTicks });
      assert.ok(t.ticks.every(Number.isFinite));
      assert.ok(
        t.ticks.length >= 2 && t.ticks.length <= maxTicks + 3,
        `${t.ticks.length} ticks for maxTicks ${maxTicks}`,
      );
      for (let i = 1; i < t.ticks.length; i++) assert.ok(t.ticks[i] > t.ticks[i - 1]);
      assert.ok(t.lo <= Math.min(a, b) && t.hi >= Math.max(a, b), `[${t.lo}, ${t.hi}] does not cover [${a}, ${b}]`);
    },
  ));
});

test("formatTick() uses the step's decimals, or exponents on huge and tiny axes", () => {
  assert.equal(formatTick(0.30000000000000004, 0.1, 1), "0.3");
  assert.equal(formatTick(2, 0.5, 10), "2.0");
  assert.equal(formatTick(40, 20, 100), "40");
  assert.equal(formatTick(-20, 20, 100), "\u221220");
  assert.equal(formatTick(200000, 200000, 1e6), "2e5");
  assert.equal(formatTick(1000000, 200000, 1e6), "1e6");
  assert.equal(formatTick(150000, 50000, 1e6), "1.5e5");
  assert.equal(formatTick(0.0002, 0.0001, 0.0005), "2e\u22124");
  assert.equal(formatTick(0, 0.1, 1), "0");
});

test("linearAxis() pins fixed ends and keeps only the ticks inside", () => {
  const a = linearAxis(5, 1e6, { maxTicks: 5, extend: true, fixedHi: 50 });
  assert.equal(a.hi, 50);
  assert.ok(a.ticks.every((t) => t.v >= a.lo && t.v <= 50));
});

test("logAxis() over 1..1e6 labels every decade and puts unlabelled minor ticks at 2..9", () => {
  const a = logAxis(1, 1e6);
  assert.equal(a.lo, 1);
  assert.equal(a.hi, 1e6);
  assert.deepEqual(labelled(a.ticks).map((t) => t.v), [1, 10, 100, 1000, 1e4, 1e5, 1e6]);
  assert.deepEqual(a.ticks.filter((t) => t.v > 100 && t.v < 1000).map((t) => t.v), [
    200,
    300,
    400,
    500,
    600,
    700,
    800,
    900,
  ]);
  assert.ok(a.ticks.filter((t) => !t.major).every((t) => t.label === undefined));
  const big = a.ticks.find((t) => t.v === 1e6)!;
  assert.deepEqual([big.label, big.sup], ["10", "6"]);
});

test("logAxis() over a short range snaps to the 1..9 grid and labels 2× and 5× too", () => {
  const a = logAxis(5.7, 41);
  assert.equal(a.lo, 5);
  assert.equal(a.hi, 50);
  assert.deepEqual(labelled(a.ticks).map((t) => t.v), [5, 10, 20, 50]);
  const tight = logAxis(5.2, 5.3);
  assert.ok(labelled(tight.ticks).length >= 2);
});

test("logAxis() up to 3 decades labels 1-2-5 steps whose ends cover the data", () => {
  const a = logAxis(3.43, 153); // a removal curve: dense 3.5, worst 150
  assert.equal(a.lo, 2);
  assert.equal(a.hi, 200);
  assert.deepEqual(labelled(a.ticks).map((t) => t.v), [2, 5, 10, 20, 50, 100, 200]);
  assert.deepEqual(labelled(logAxis(3.43, 10.2).ticks).map((t) => t.v), [2, 5, 10, 20]);
  const narrow = logAxis(3.43, 6.1); // well under a decade: every 1..9 step is labelled
  assert.deepEqual(labelled(narrow.ticks).map((t) => t.v), [3, 4, 5, 6, 7]);
});

test("logAxis() property: up to 6 decades, a labelled tick lies at or below min and at or above max", () => {
  fc.assert(fc.property(
    fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
    fc.double({ min: 1.001, max: 1e6, noNaN: true }),
    (min, ratio) => {
      const ax = logAxis(min, min * ratio);
      const vs = labelled(ax.ticks).map((t) => t.v);
      assert.ok(Math.min(...vs) <= min * (1 + 1e-9) && Math.max(...vs) >= min * ratio * (1 - 1e-9), `${vs}`);
    },
  ));
});

test("logAxis() over many decades thins the labelled decades and drops minor ticks", () => {
  const a = logAxis(1e-3, 1e40);
  assert.ok(labelled(a.ticks).length <= 10, `${labelled(a.ticks).length} labels`);
  assert.ok(a.ticks.every((t) => t.major));
});

test("logAxis() property: covers [min, max], ≥ 2 labels, ticks inside the domain", () => {
  fc.assert(fc.property(
    fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
    fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
    (a, b) => {
      const [min, max] = a < b ? [a, b] : [b, a];
      const ax = logAxis(min, max);
      assert.ok(ax.lo <= min && ax.hi >= max && ax.lo < ax.hi, `[${ax.lo}, ${ax.hi}] vs [${min}, ${max}]`);
      assert.ok(labelled(ax.ticks).length >= 2);
      assert.ok(ax.ticks.every((t) => Number.isFinite(t.v) && t.v >= ax.lo * (1 - 1e-9) && t.v <= ax.hi * (1 + 1e-9)));
    },
  ));
});

test("scale() maps the domain ends to the pixel ends, linearly or by log10", () => {
  const lin = scale({ lo: 0, hi: 10, log: false, ticks: [] }, 100, 0);
  assert.equal(lin(0), 100);
  assert.equal(lin(5), 50);
  const log = scale({ lo: 1, hi: 100, log: true, ticks: [] }, 0, 200);
  assert.equal(log(10), 100);
});
