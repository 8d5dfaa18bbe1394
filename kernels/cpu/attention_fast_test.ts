import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { alibiSlopes } from "./alibi.ts";
import { attentionNaive } from "./attention.ts";
import { attentionFastHeads } from "./attention_fast.ts";
import { wasmSimdAvailable } from "./matmul_wasm.ts";
import { randomArray } from "./_random.ts";
import { assertSameBits } from "./_same_bits.ts";

const skip = wasmSimdAvailable() ? undefined : "this runtime has no WebAssembly SIMD";
const U = 2 ** -24, gamma = (n: number) => (n * U) / (1 - n * U);

test(
  "attentionFastHeads() stays within the float32 error bound of attentionNaive(), with GQA, window and ALiBi",
  () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom([1, 1], [2, 1], [4, 2], [3, 3]),
        fc.integer({ min: 1, max: 20 }),
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        fc.boolean(),
        fc.integer(),
        (Tq, past, [H, Hkv], Hd, window, alibi, seed) => {
          const Tk = Tq + past;
          const q = randomArray(Tq * H * Hd, seed), k = randomArray(Tk * Hkv * Hd, seed + 1);
          const v = randomArray(Tk * Hkv * Hd, seed + 2);
          const opts = { window, alibiSlopes: alibi ? alibiSlopes(H) : undefined };
          const fast = new Float32Array(Tq * H * Hd), ref = new Float32Array(Tq * H * Hd);
          attentionFastHeads(fast, q, k, v, Tq, Tk, H, Hkv, Hd, 0, H, opts);
          attentionNaive(ref, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
          // |Δscore| ≤ γ(Hd/4+4)·Σ|q·k|/√Hd ≤ γ·Hd/√Hd (|q|,|k| ≤ 1), which moves each softmax weight
          // by at most a factor e^(2Δ); the weighted sum of values (|v| ≤ 1) adds γ(Tk/4+4), plus
          // the softmax's own float32 roundings (a few u per weight).
          const dScore = gamma(Math.ceil(Hd / 4) + 4) * Math.sqrt(Hd);
          const bound = Math.expm1(2 * dScore) + gamma(Math.ceil(Tk / 4) + 4) + 8 * U;
          for (let i = 0; i < ref.length; i++) {
            const err = Math.abs(fast[i] - ref[i]);
            assert.ok(err <= bound, `out[${i}]: naive ${ref[i]}, fast ${fast[i]}, |error| ${err} > ${bound}`);
          }
        },
      ),
      { numRuns: 150 },
    );
  },
  { skip },
);

test("attentionFastHeads() over a range of heads writes those heads with the bits of the whole call", () => {
  const Tq = 5, Tk = 7, H = 6, Hkv = 3, Hd = 8;
  const q = randomArray(Tq * H * Hd, 1), k = randomArray(Tk * Hkv * Hd, 2), v = randomArray(Tk * Hkv * Hd, 3);
  const whole = new Float32Array(Tq * H * Hd), parts = new Float32Array(Tq * H * Hd);
  attentionFastHeads(whole, q, k, v, Tq, Tk, H, Hkv, Hd, 0, H);
  for (const [h0, h1] of [[0, 1], [1, 4], [4, 6]]) attentionFastHeads(parts, q, k, v, Tq, Tk, H, Hkv, Hd, h0, h1);
  assertSameBits(parts, whole, "heads computed in three ranges");
}, { skip });
