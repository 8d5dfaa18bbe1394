/**
 * Inputs shared by the tests of the block-change sums (kernels/cpu/block_change_test.ts and
 * src/importance/block_change_test.ts).
 *
 * @module
 */
import fc from "fast-check";
import { randomArray } from "./_random.ts";

/** y = x + noise·(noise scale), with some rows of x and/or y zeroed. */
export const blockChangeCases = fc
  .record({
    T: fc.integer({ min: 0, max: 9 }),
    D: fc.integer({ min: 0, max: 40 }),
    noise: fc.constantFrom(0, 1e-3, 0.05, 1, 10),
    zeroRows: fc.array(fc.tuple(fc.nat(), fc.constantFrom("x", "y", "both")), { maxLength: 3 }),
    slot: fc.integer({ min: 0, max: 4 }),
    spare: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer(),
  })
  .map(({ T, D, noise, zeroRows, slot, spare, seed }) => {
    const x = randomArray(T * D, seed, 3);
    const n = randomArray(T * D, seed + 1);
    const y = x.map((v, i) => v + noise * n[i]);
    if (T > 0) {
      for (const [r, which] of zeroRows) {
        const t = r % T;
        if (which !== "y") x.fill(0, t * D, (t + 1) * D);
        if (which !== "x") y.fill(0, t * D, (t + 1) * D);
      }
    }
    return { T, D, x, y, slot, size: 2 * (slot + 1 + spare), label: `T=${T} D=${D} noise=${noise} slot=${slot}` };
  });
