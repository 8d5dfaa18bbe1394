/**
 * Numeric assertions for tests. A failure names the first few mismatching indices with the
 * expected and actual values and the largest error, so the reader knows where to look.
 *
 * @module
 */
import { AssertionError } from "node:assert/strict";

type Numeric = ArrayLike<number>;

/** Largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(a: Numeric, b: Numeric): number {
  if (a.length !== b.length) throw new AssertionError({ message: `length ${a.length} != ${b.length}` });
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/**
 * Asserts `|actual - expected| <= atol + rtol * |expected|` elementwise.
 * On failure prints up to five mismatches: `label[i]: expected E, got A (diff D)`.
 */
export function assertAllClose(
  actual: Numeric,
  expected: Numeric,
  { atol = 1e-5, rtol = 0, label = "value" }: { atol?: number; rtol?: number; label?: string } = {},
): void {
  if (actual.length !== expected.length) {
    throw new AssertionError({ message: `${label}: length ${actual.length}, expected ${expected.length}` });
  }
  const bad: string[] = [];
  let count = 0;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    const ok = d <= atol + rtol * Math.abs(expected[i]);
    if (!ok) {
      count++;
      worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
      if (bad.length < 5) bad.push(`  ${label}[${i}]: expected ${expected[i]}, got ${actual[i]} (diff ${d})`);
    }
  }
  if (count > 0) {
    throw new AssertionError({
      message: `${label}: ${count} of ${actual.length} values differ by more than atol=${atol} rtol=${rtol}` +
        ` (max diff ${worst}):\n${bad.join("\n")}`,
    });
  }
}
