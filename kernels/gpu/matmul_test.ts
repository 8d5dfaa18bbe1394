// The GPU linear layer against its CPU oracle matmulNaive() (kernels/cpu/matmul.ts), on random
// shapes that straddle the 64 × 64 output tiles and the 8-wide K slices.
// Tolerance: atol 1e-5 + rtol 1e-5 (f32 sums of ≤ 150 products of values in [-1, 1]).
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { matmulNaive } from "../cpu/matmul.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests, poisoned } from "./_testing.ts";
import { matmul, type MatmulTuning } from "./matmul.ts";

const { gpu, skip } = await gpuForTests();
const TOL = { atol: 1e-5, rtol: 1e-5 };

async function check(T: number, K: number, N: number, withBias: boolean, seed: number, tuning?: MatmulTuning) {
  const x = randomArray(T * K, seed), w = randomArray(N * K, seed + 1), b = randomArray(N, seed + 2);
  const expected = new Float32Array(T * N);
  matmulNaive(expected, x, w, T, K, N, withBias ? b : undefined);
  const out = poisoned(gpu!, T * N);
  matmul(gpu!, out, gpu!.upload(x), gpu!.upload(w), T, K, N, withBias ? gpu!.upload(b) : undefined, tuning);
  const label = `matmul T=${T} K=${K} N=${N}${withBias ? " +bias" : ""}${tuning ? ` ${JSON.stringify(tuning)}` : ""}`;
  assertAllClose(await gpu!.read(out), expected, { ...TOL, label });
}

test("matmul() on the GPU matches matmulNaive() on random shapes, tile edges included", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 140 }),
      fc.boolean(),
      fc.integer(),
      (T, K, N, withBias, seed) => check(T, K, N, withBias, seed),
    ),
    { numRuns: 25 },
  );
}, { skip });

test("matmul() on the GPU is right at exact tile multiples, one row, and a long K", async () => {
  await check(64, 32, 128, false, 1);
  await check(1, 1, 1, true, 2);
  await check(1, 150, 65, true, 3);
  await check(129, 17, 63, false, 4);
}, { skip });

test("matmul() on the GPU gives the same result with other workgroup shapes (override WG_X, WG_Y)", async () => {
  await check(37, 29, 45, true, 5, { wgX: 8, wgY: 8 });
  await check(37, 29, 45, true, 6, { wgX: 4, wgY: 16, tk: 4 });
  const keys = gpu!.pipelineKeys.filter((k) => k.startsWith("matmul|"));
  for (const k of ["matmul|f32|TK=8,WG_X=8,WG_Y=8", "matmul|f32|TK=4,WG_X=4,WG_Y=16"]) {
    if (!keys.includes(k)) throw new Error(`pipeline "${k}" missing from the cache: ${keys.join(" ")}`);
  }
}, { skip });
