import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { groupNorm } from "./rwkv_group_norm.ts";
import { layernorm } from "./layernorm.ts";
import { randomArray } from "./_random.ts";

test("groupNorm() is a LayerNorm of each group: G groups of S equal T·G rows of layernorm()", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 2, max: 9 }),
      fc.integer(),
      (T, G, S, seed) => {
        const x = randomArray(T * G * S, seed, 3), w = randomArray(G * S, seed + 1), b = randomArray(G * S, seed + 2);
        const out = new Float32Array(T * G * S);
        groupNorm(out, x, w, b, T, G, S, 64e-5);
        const ref = new Float32Array(T * G * S);
        for (let t = 0; t < T; t++) {
          for (let g = 0; g < G; g++) {
            const o = (t * G + g) * S;
            layernorm(
              ref.subarray(o, o + S),
              x.subarray(o, o + S),
              w.subarray(g * S, (g + 1) * S),
              b.subarray(g * S, (g + 1) * S),
              1,
              S,
              64e-5,
            );
          }
        }
        assertAllClose(out, ref, { atol: 1e-6, label: "groupNorm" });
      },
    ),
  );
});

test("groupNorm() works in place and uses eps inside the root", () => {
  const x = new Float32Array([1, 3, 10, 30]);
  groupNorm(x, x, new Float32Array(4).fill(1), new Float32Array(4), 1, 2, 2, 1);
  // group 0: var 1, eps 1 → (±1)/√2; group 1: var 100 → ±10/√101
  assertAllClose(x, [-Math.SQRT1_2, Math.SQRT1_2, -10 / Math.sqrt(101), 10 / Math.sqrt(101)], { atol: 1e-7 });
});
