// The GPU SwiGLU against its CPU oracle swiglu() (kernels/cpu/activations.ts).
// Tolerance: atol 1e-6 + rtol 1e-5 (f32 exp).
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests, poisoned } from "./_testing.ts";
import { swiglu as swigluCpu } from "../cpu/activations.ts";
import { swiglu } from "./swiglu.ts";

const { gpu, skip } = await gpuForTests();
const size = fc.integer({ min: 1, max: 3000 });

test("swiglu() on the GPU matches the CPU swiglu(), large negative gates included", async () => {
  await fc.assert(
    fc.asyncProperty(size, fc.integer(), async (n, seed) => {
      const gate = randomArray(n, seed, 12), up = randomArray(n, seed + 1, 3);
      gate[0] = -200; // exp(200) overflows f32: silu → -0
      const expected = new Float32Array(n);
      swigluCpu(expected, gate, up, n);
      const out = poisoned(gpu!, n);
      swiglu(gpu!, out, gpu!.upload(gate), gpu!.upload(up), n);
      assertAllClose(await gpu!.read(out), expected, { atol: 1e-6, rtol: 1e-5, label: `swiglu n=${n}` });
    }),
    { numRuns: 15 },
  );
}, { skip });
