// Block Influence and Relative Magnitude fed token by token (`step`) accumulate the two sums the
// block-change kernel computes in one pass (kernels/cpu/block_change.ts), which the device path
// of `changeSums` relies on. Tolerance: rtol 2.4e-7, the float32 rounding of the kernel's output.
import fc from "fast-check";
import { blockChangeSums } from "../../kernels/cpu/block_change.ts";
import { randomArray } from "../../kernels/cpu/_random.ts";
import { assertAllClose } from "../testing/assert.ts";
import { test } from "../testing/harness.ts";
import { BlockInfluence } from "./block_influence.ts";
import { RelativeMagnitude } from "./relative_magnitude.ts";

/** y = x + noise·(noise scale), with some rows of x and/or y zeroed. */
const cases = fc
  .record({
    T: fc.integer({ min: 1, max: 9 }),
    D: fc.integer({ min: 0, max: 40 }),
    noise: fc.constantFrom(0, 1e-3, 0.05, 1, 10),
    zeroRows: fc.array(fc.tuple(fc.nat(), fc.constantFrom("x", "y", "both")), { maxLength: 3 }),
    seed: fc.integer(),
  })
  .map(({ T, D, noise, zeroRows, seed }) => {
    const x = randomArray(T * D, seed, 3);
    const n = randomArray(T * D, seed + 1);
    const y = x.map((v, i) => v + noise * n[i]);
    for (const [r, which] of zeroRows) {
      const t = r % T;
      if (which !== "y") x.fill(0, t * D, (t + 1) * D);
      if (which !== "x") y.fill(0, t * D, (t + 1) * D);
    }
    return { T, D, x, y, label: `T=${T} D=${D} noise=${noise}` };
  });

test("BlockInfluence (reduce: sum) and RelativeMagnitude accumulate the sums of blockChangeSums()", () => {
  fc.assert(
    fc.property(cases, ({ T, D, x, y, label }) => {
      const bi = new BlockInfluence(1, "sum"), rm = new RelativeMagnitude(1);
      bi.step(0, x, y, T, D);
      rm.step(0, x, y, T, D);
      const want = new Float32Array([bi.finish()[0], rm.finish()[0] * T]); // RM is a mean over T
      const got = new Float32Array(2);
      blockChangeSums(got, x, y, T, D, 0);
      assertAllClose(got, want, { atol: 0, rtol: 2.4e-7, label });
    }),
    { numRuns: 100 },
  );
});
