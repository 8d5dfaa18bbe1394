import { getFloat16 } from "@petamoriken/float16";
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "./testing/harness.ts";
import { fromFloat32, numel, toFloat32 } from "./tensor.ts";

test("numel() multiplies the dimensions and is 1 for a scalar", () => {
  assert.equal(numel([2, 3, 4]), 24);
  assert.equal(numel([]), 1);
  assert.equal(numel([5, 0]), 0);
});

test("toFloat32(fromFloat32(x, F32)) is the identity", () => {
  fc.assert(fc.property(fc.float32Array({ noNaN: true }), (xs) => {
    assert.deepEqual(toFloat32(fromFloat32(xs, "F32"), "F32"), xs);
  }));
});

test("BF16 keeps the top 16 bits and rounds to nearest even", () => {
  const x = new Float32Array([1, -2.5, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.140625]);
  const back = toFloat32(fromFloat32(x, "BF16"), "BF16");
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
  assert.deepEqual(Array.from(back), [1, -2.5, 1, 1 + 2 ** -6, 3.140625]);
});

test("F16 round-trips values that are exactly representable in half precision", () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: -2048, max: 2048 })), (ints) => {
    const x = new Float32Array(ints.map((i) => i / 8));
    assert.deepEqual(toFloat32(fromFloat32(x, "F16"), "F16"), x);
  }));
});

test("F16 decoding agrees with @petamoriken/float16 on all 65536 bit patterns", () => {
  const bytes = new Uint8Array(2 * 65536);
  const view = new DataView(bytes.buffer);
  for (let b = 0; b < 65536; b++) view.setUint16(2 * b, b, true);
  const got = toFloat32(bytes, "F16");
  for (let b = 0; b < 65536; b++) {
    const want = getFloat16(view, 2 * b, true);
    assert.ok(Object.is(got[b], Math.fround(want)), `bits 0x${b.toString(16)}: ${got[b]} vs ${want}`);
  }
});
