// The GPU concatRows (two buffer copies) against the CPU backend's two `set` calls: identical.
import assert from "node:assert/strict";
import { test } from "../../src/testing/harness.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests, poisoned } from "./_testing.ts";
import { concatRows } from "./concat_rows.ts";

const { gpu, skip } = await gpuForTests();

test("concatRows() on the GPU puts the rows of b after the rows of a", async () => {
  for (const [Ta, Tb, C] of [[1, 1, 1], [3, 1, 5], [7, 4, 12], [0, 2, 3]]) {
    const a = randomArray(Ta * C, Ta), b = randomArray(Tb * C, Tb + 100);
    const out = poisoned(gpu!, (Ta + Tb) * C);
    concatRows(gpu!, out, gpu!.upload(a), gpu!.upload(b), Ta, Tb, C);
    const expected = new Float32Array((Ta + Tb) * C);
    expected.set(a);
    expected.set(b, Ta * C);
    assert.deepEqual(await gpu!.read(out), expected, `Ta=${Ta} Tb=${Tb} C=${C}`);
  }
}, { skip });
