/**
 * Exact equality of float32 arrays for the kernel tests (internal): fast kernels that keep the
 * summation order of their naive twin must agree with it bit for bit, not just closely.
 *
 * @module
 */
import { AssertionError } from "node:assert/strict";

/**
 * Asserts that `actual` and `expected` hold the same float32 bit patterns. On failure prints up
 * to five mismatches: `label[i]: expected E, got A`.
 */
export function assertSameBits(actual: Float32Array, expected: Float32Array, label = "value"): void {
  if (actual.length !== expected.length) {
    throw new AssertionError({ message: `${label}: length ${actual.length}, expected ${expected.length}` });
  }
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === e[i]) continue;
    count++;
    if (bad.length < 5) bad.push(`  ${label}[${i}]: expected ${expected[i]}, got ${actual[i]}`);
  }
  if (count > 0) {
    throw new AssertionError({
      message: `${label}: ${count} of ${a.length} values differ in their bits:\n${bad.join("\n")}\n` +
        "A kernel that should keep the naive summation order has reordered it (or skipped an element).",
    });
  }
}
