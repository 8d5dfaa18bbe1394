import assert from "node:assert/strict";
import { test } from "../../src/testing/harness.ts";
import { embeddingGather } from "./embedding.ts";

test("embeddingGather() copies row ids[t] of the table into row t, repeats included", () => {
  const V = 4, D = 3;
  const table = Float32Array.from({ length: V * D }, (_, i) => i); // row v = [3v, 3v+1, 3v+2]
  const out = new Float32Array(4 * D);
  embeddingGather(out, table, new Int32Array([2, 0, 3, 2]), D);
  assert.deepEqual(Array.from(out), [6, 7, 8, 0, 1, 2, 9, 10, 11, 6, 7, 8]);
});

test("embeddingGather() of no tokens writes nothing", () => {
  const out = new Float32Array(0);
  embeddingGather(out, new Float32Array(6), [], 3);
  assert.equal(out.length, 0);
});
