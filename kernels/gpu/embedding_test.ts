// The GPU embedding gather against its CPU oracle embeddingGather() (kernels/cpu/embedding.ts):
// copies, so the results are identical.
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests, poisoned } from "./_testing.ts";
import { embeddingGather as gatherCpu } from "../cpu/embedding.ts";
import { embeddingGather } from "./embedding.ts";

const { gpu, skip } = await gpuForTests();

test("embeddingGather() on the GPU copies the rows of the CPU embeddingGather()", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer(),
      async (V, D, T, seed) => {
        const table = randomArray(V * D, seed);
        const ids = Int32Array.from({ length: T }, (_, t) => (t * 7 + seed) % V < 0 ? 0 : (t * 7 + seed) % V);
        const expected = new Float32Array(T * D);
        gatherCpu(expected, table, ids, D);
        const out = poisoned(gpu!, T * D);
        embeddingGather(gpu!, out, gpu!.upload(table), ids, D);
        assert.deepEqual(await gpu!.read(out), expected);
      },
    ),
    { numRuns: 15 },
  );
}, { skip });
