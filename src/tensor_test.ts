// @petamoriken/float16 is the independent oracle for our own F16 conversion (a devDependency).
import { f16round, getFloat16, setFloat16 } from "@petamoriken/float16";
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "./testing/harness.ts";
import { f16Round, fromFloat32, numel, toFloat32 } from "./tensor.ts";

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

test("F16 encoding agrees with @petamoriken/float16 (round to nearest even) on float32 values", () => {
  const check = (values: Float32Array) => {
    const got = new DataView(fromFloat32(values, "F16").buffer);
    const want = new DataView(new ArrayBuffer(2 * values.length));
    for (let i = 0; i < values.length; i++) setFloat16(want, 2 * i, values[i], true);
    for (let i = 0; i < values.length; i++) {
      const [g, w] = [got.getUint16(2 * i, true), want.getUint16(2 * i, true)];
      if (Number.isNaN(values[i])) {
        assert.ok((g & 0x7c00) === 0x7c00 && (g & 0x3ff) !== 0, `NaN -> 0x${g.toString(16)}`);
      } else assert.equal(g, w, `${values[i]}: 0x${g.toString(16)} vs 0x${w.toString(16)}`);
    }
  };
  // Every half float, the float32 values just beside it and the midpoints to its neighbours
  // (the ties), and the ranges where F16 overflows and underflows.
  const edges: number[] = [];
  for (let h = 0; h < 0x7c00; h++) {
    const v = getFloat16(new DataView(Uint16Array.of(h).buffer), 0, true);
    const next = getFloat16(new DataView(Uint16Array.of(h + 1).buffer), 0, true);
    const mid = (v + next) / 2;
    for (const x of [v, mid, Math.fround(mid), nextUp(mid), nextDown(mid)]) edges.push(x, -x);
  }
  edges.push(65504, 65519.99, 65520, 70000, 1e-8, 2 ** -25, 2 ** -25 * 1.0001, 2 ** -26, Infinity, -Infinity, NaN);
  check(Float32Array.from(edges));
  fc.assert(fc.property(fc.float32Array({ maxLength: 64 }), check));
});

/** The float32 values just above and below `x` (x a float32, finite, positive). */
function nextUp(x: number): number {
  const b = new Float32Array([x]);
  new Uint32Array(b.buffer)[0]++;
  return b[0];
}
function nextDown(x: number): number {
  const b = new Float32Array([x]);
  if (x > 0) new Uint32Array(b.buffer)[0]--;
  return b[0];
}

test("f16Round() rounds float64 to the nearest half as @petamoriken/float16's f16round (ties to even, no double rounding)", () => {
  // Halfway points between adjacent halves, and just off them, across normals, subnormals and the overflow edge.
  const edges = [
    0,
    -0,
    65504,
    65519.99,
    65520,
    -65520,
    2 ** -24,
    2 ** -25,
    3 * 2 ** -26,
    2 ** -14,
    1 + 2 ** -11,
    1 + 3 * 2 ** -11,
  ];
  for (const x of edges) {
    assert.equal(Object.is(f16Round(x), f16round(x)) || f16Round(x) === f16round(x), true, `x = ${x}`);
  }
  fc.assert(
    fc.property(fc.double({ min: -70000, max: 70000, noNaN: true }), (x) => {
      assert.equal(f16Round(x), f16round(x), `x = ${x}`);
    }),
    { numRuns: 5000 },
  );
});
