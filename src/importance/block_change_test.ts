// Block Influence and Relative Magnitude fed token by token (`step`) accumulate the two sums the
// block-change kernel computes in one pass (kernels/cpu/block_change.ts), which the device path
// of `changeSums` relies on. Tolerance: rtol 2.4e-7, the float32 rounding of the kernel's output.
import fc from "fast-check";
import { blockChangeSums } from "../../kernels/cpu/block_change.ts";
import { blockChangeCases } from "../../kernels/cpu/_fixtures.ts";
import { assertAllClose } from "../testing/assert.ts";
import { test } from "../testing/harness.ts";
import { BlockInfluence } from "./block_influence.ts";
import { RelativeMagnitude } from "./relative_magnitude.ts";

test("BlockInfluence (reduce: sum) and RelativeMagnitude accumulate the sums of blockChangeSums()", () => {
  fc.assert(
    fc.property(blockChangeCases, ({ T, D, x, y, label }) => {
      if (T === 0) return;
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
