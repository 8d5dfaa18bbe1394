// The GPU RMSNorm against its CPU oracle rmsnorm() (kernels/cpu/rmsnorm.ts), with row lengths
// below, at and above the workgroup size.
// Tolerance: atol 1e-5 + rtol 1e-5 (f32 sums of squares against float64 ones).
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { rmsnorm as rmsnormCpu } from "../cpu/rmsnorm.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests, poisoned } from "./_testing.ts";
import { rmsnorm } from "./rmsnorm.ts";

const { gpu, skip } = await gpuForTests();
const TOL = { atol: 1e-5, rtol: 1e-5 };

async function checkRms(T: number, D: number, eps: number, seed: number, wg?: number) {
  const x = randomArray(T * D, seed, 3), w = randomArray(D, seed + 1);
  const expected = new Float32Array(T * D);
  rmsnormCpu(expected, x, w, T, D, eps);
  const out = poisoned(gpu!, T * D);
  rmsnorm(gpu!, out, gpu!.upload(x), gpu!.upload(w), T, D, eps, wg ? { wg } : {});
  assertAllClose(await gpu!.read(out), expected, { ...TOL, label: `rmsnorm T=${T} D=${D} wg=${wg ?? 256}` });
}

const shapes = [
  fc.integer({ min: 1, max: 9 }),
  fc.integer({ min: 1, max: 600 }),
  fc.constantFrom(1e-5, 1e-6, 0.1),
] as const;

test("rmsnorm() on the GPU matches the CPU rmsnorm() on random shapes", async () => {
  await fc.assert(fc.asyncProperty(...shapes, fc.integer(), (T, D, eps, seed) => checkRms(T, D, eps, seed)), {
    numRuns: 20,
  });
  await checkRms(3, 1, 1e-5, 7);
  await checkRms(2, 100, 1e-5, 8, 32); // several strides per thread, smaller workgroup
}, { skip });
