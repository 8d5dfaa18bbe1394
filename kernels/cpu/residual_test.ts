import assert from "node:assert/strict";
import { test } from "../../src/testing/harness.ts";
import { addInPlace } from "./residual.ts";

test("addInPlace() adds y onto x elementwise", () => {
  const x = new Float32Array([1, 2, 3]);
  addInPlace(x, new Float32Array([10, 20, 30]));
  assert.deepEqual(Array.from(x), [11, 22, 33]);
});

test("addInPlace() with n touches only the first n elements", () => {
  const x = new Float32Array([1, 2, 3]);
  addInPlace(x, new Float32Array([10, 20, 30]), 2);
  assert.deepEqual(Array.from(x), [11, 22, 3]);
});
