// The GPU residual add against its CPU oracle addInPlace() (kernels/cpu/residual.ts): one
// f32 addition per element, so the results are identical.
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests } from "./_testing.ts";
import { addInPlace as addCpu } from "../cpu/residual.ts";
import { addInPlace } from "./add.ts";
import { grid1d } from "./_common.ts";

const { gpu, skip } = await gpuForTests();
const size = fc.integer({ min: 1, max: 3000 });

test("addInPlace() on the GPU matches the CPU addInPlace() and leaves y alone", async () => {
  await fc.assert(
    fc.asyncProperty(size, fc.integer(), async (n, seed) => {
      const x = randomArray(n, seed), y = randomArray(n, seed + 1);
      const xs = gpu!.upload(x), ys = gpu!.upload(y);
      addInPlace(gpu!, xs, ys, n);
      addCpu(x, y, n);
      assert.deepEqual(await gpu!.read(xs), x);
      assert.deepEqual(await gpu!.read(ys), y);
    }),
    { numRuns: 15 },
  );
}, { skip });

test("addInPlace() on the GPU covers more workgroups than one dispatch dimension holds (a 2-D grid)", async () => {
  const wg = 4, n = 65535 * wg + 1001; // as 65535 · 256 + 1001 elements at the default 256
  assert.deepEqual(grid1d(n, wg), [65535, 2]);
  assert.deepEqual(grid1d(65535 * 256 + 1001, 256), [65535, 2]);
  const x = new Float32Array(n).fill(1), y = Float32Array.from({ length: n }, (_, i) => i % 7);
  const xs = gpu!.upload(x);
  addInPlace(gpu!, xs, gpu!.upload(y), n, { wg });
  addCpu(x, y, n);
  assert.deepEqual(await gpu!.read(xs), x);
}, { skip });
