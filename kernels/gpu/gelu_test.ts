// The GPU GELU against its CPU oracles gelu() and geluTanh() (kernels/cpu/activations.ts).
// Tolerance: atol 1e-6 + rtol 2e-6 for the erf form (f32 erf to 1.5e-7), atol 1e-6 + rtol 1e-5
// for the tanh form (f32 tanh).
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests, poisoned } from "./_testing.ts";
import { gelu as geluCpu, geluTanh } from "../cpu/activations.ts";
import { gelu } from "./gelu.ts";

const { gpu, skip } = await gpuForTests();
const size = fc.integer({ min: 1, max: 3000 });

test("gelu() on the GPU matches the CPU gelu() and geluTanh()", async () => {
  await fc.assert(
    fc.asyncProperty(size, fc.integer(), async (n, seed) => {
      const x = randomArray(n, seed, 8);
      x[0] = 50, x[n - 1] = -50;
      const exact = new Float32Array(n), approx = new Float32Array(n);
      geluCpu(exact, x, n);
      geluTanh(approx, x, n);
      const xs = gpu!.upload(x), out = poisoned(gpu!, n), outTanh = poisoned(gpu!, n);
      gelu(gpu!, out, xs, n);
      gelu(gpu!, outTanh, xs, n, "tanh");
      assertAllClose(await gpu!.read(out), exact, { atol: 1e-6, rtol: 2e-6, label: `gelu n=${n}` });
      assertAllClose(await gpu!.read(outTanh), approx, { atol: 1e-6, rtol: 1e-5, label: `gelu tanh n=${n}` });
    }),
    { numRuns: 15 },
  );
}, { skip });
