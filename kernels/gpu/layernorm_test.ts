// The GPU LayerNorm against its CPU oracle layernorm() (kernels/cpu/layernorm.ts), with row
// lengths below, at and above the workgroup size, on rows with a large common offset.
// Tolerance: atol 1e-5 + rtol 1e-5 (f32 two-pass mean and variance against float64 ones). The
// last test holds rows far from zero compared with their spread (100 ± 0.03 at eps 1e-5), where a
// plain f32 two-pass norm is off by ~1e-3 and the corrected two-pass shader is not.
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { layernorm as layernormCpu } from "../cpu/layernorm.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests, poisoned } from "./_testing.ts";
import { layernorm } from "./layernorm.ts";

const { gpu, skip } = await gpuForTests();
const TOL = { atol: 1e-5, rtol: 1e-5 };

async function checkLn(T: number, D: number, eps: number, seed: number, wg?: number) {
  // rows with a large common offset: the two-pass variance must not lose it
  const x = randomArray(T * D, seed, 3).map((v) => v + 10), w = randomArray(D, seed + 1), b = randomArray(D, seed + 2);
  const expected = new Float32Array(T * D);
  layernormCpu(expected, x, w, b, T, D, eps);
  const out = poisoned(gpu!, T * D);
  layernorm(gpu!, out, gpu!.upload(x), gpu!.upload(w), gpu!.upload(b), T, D, eps, wg ? { wg } : {});
  assertAllClose(await gpu!.read(out), expected, { ...TOL, label: `layernorm T=${T} D=${D} wg=${wg ?? 256}` });
}

const shapes = [
  fc.integer({ min: 1, max: 9 }),
  fc.integer({ min: 1, max: 600 }),
  fc.constantFrom(1e-5, 1e-6, 0.1),
] as const;

test("layernorm() on the GPU matches the CPU layernorm() on random shapes", async () => {
  await fc.assert(fc.asyncProperty(...shapes, fc.integer(), (T, D, eps, seed) => checkLn(T, D, eps, seed)), {
    numRuns: 20,
  });
  await checkLn(3, 1, 1e-5, 9);
  await checkLn(2, 100, 1e-5, 10, 32);
}, { skip });

test("layernorm() on the GPU keeps its precision on rows far from zero with a small spread", async () => {
  const T = 64, D = 64, eps = 1e-5;
  const x = randomArray(T * D, 21, 0.03).map((v) => v + 100), w = randomArray(D, 22), b = randomArray(D, 23);
  const expected = new Float32Array(T * D);
  layernormCpu(expected, x, w, b, T, D, eps);
  const out = poisoned(gpu!, T * D);
  layernorm(gpu!, out, gpu!.upload(x), gpu!.upload(w), gpu!.upload(b), T, D, eps);
  assertAllClose(await gpu!.read(out), expected, { ...TOL, label: "layernorm of 100 ± 0.03" });
}, { skip });
