// The GPU overflow check against its CPU oracle anyNonFinite() (kernels/cpu/nonfinite.ts), on
// random arrays with NaN, ±Inf and the largest finite values planted at random places, sizes
// below, at and above the workgroup and a 2-D grid. Exact: a yes/no answer.
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { anyNonFinite as anyNonFiniteCpu } from "../cpu/nonfinite.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests, poisoned } from "./_testing.ts";
import { anyNonFinite } from "./nonfinite.ts";

const { gpu, skip } = await gpuForTests();
const SPECIAL = [NaN, Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, 0];

async function check(x: Float32Array, n: number, wg?: number) {
  const want = new Float32Array(1);
  anyNonFiniteCpu(want, x, n);
  const out = poisoned(gpu!, 1);
  anyNonFinite(gpu!, out, gpu!.upload(x), n, wg ? { wg } : {});
  assert.equal((await gpu!.read(out))[0], want[0], `n=${n}`);
}

test("anyNonFinite() on the GPU matches the CPU on arrays with planted specials", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2000 }),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom(...SPECIAL)), { maxLength: 3 }),
      fc.integer(),
      async (n, plants, seed) => {
        const x = randomArray(n + 5, seed, 10);
        for (const [at, v] of plants) x[at % x.length] = v;
        await check(x, n);
      },
    ),
    { numRuns: 25 },
  );
}, { skip });

test("anyNonFinite() on the GPU: the last element of a 2-D grid, a small workgroup, n = 0", async () => {
  const n = 65536 * 64 + 3, x = new Float32Array(n);
  await check(x, n, 64);
  x[n - 1] = -Infinity;
  await check(x, n, 64);
  await check(Float32Array.of(NaN), 0);
}, { skip });
