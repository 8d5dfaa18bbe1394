// The GPU GPTQ linear against its CPU oracle gptqLinear() (kernels/cpu/gptq.ts), every bit width
// (3-bit codes straddling words included), groups, act-order g_idx, v1 and v2 zero points.
// Tolerance: atol 1e-5 + rtol 1e-4 (f32 sums on the GPU, float64 on the CPU).
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { randomArray } from "../cpu/_random.ts";
import { gptqLinear as gptqLinearCpu } from "../cpu/gptq.ts";
import { packGptq, rtnQuantize } from "../cpu/gptq_quantize.ts";
import { gpuForTests, poisoned } from "./_testing.ts";
import { gptqLinear, uploadGptq } from "./gptq_linear.ts";

const { gpu, skip } = await gpuForTests();

test("gptqLinear() on the GPU matches the CPU gptqLinear(): 2/3/4/8 bits, odd shapes, act-order, bias", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(2, 3, 4, 8),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 70 }),
      fc.integer({ min: 1, max: 90 }),
      fc.constantFrom(-1, 8, 32),
      fc.boolean(),
      fc.boolean(),
      fc.integer(),
      async (bits, T, K, N, groupSize, permute, withBias, seed) => {
        const q = rtnQuantize(randomArray(N * K, seed), N, K, { bits, groupSize, sym: seed % 2 === 0 });
        if (permute) q.g_idx.reverse(); // a permuted group map, as act-order writes
        const p = packGptq(q, bits, seed % 3 === 0 ? 0 : 1);
        const x = randomArray(T * K, seed + 1), bias = withBias ? randomArray(N, seed + 2) : undefined;
        const expected = new Float32Array(T * N);
        gptqLinearCpu(expected, x, p, T, bias);
        const out = poisoned(gpu!, T * N);
        gptqLinear(gpu!, out, gpu!.upload(x), uploadGptq(gpu!, p), T, bias && gpu!.upload(bias));
        assertAllClose(await gpu!.read(out), expected, {
          atol: 1e-5,
          rtol: 1e-4,
          label: `gptqLinear bits=${bits} T=${T} K=${K} N=${N} group=${groupSize}`,
        });
      },
    ),
    { numRuns: 25 },
  );
}, { skip });
