import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { alibiSlopes } from "./alibi.ts";
import { attentionNaive } from "./attention.ts";
import { attentionFastHeads, QUERY_CHUNK } from "./attention_fast.ts";
import { FastMatmul } from "./matmul_fast.ts";
import { softmax } from "./softmax.ts";
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

/** The whole-matrix form: scores over all Tk keys, −∞ where masked, softmax of the full row, P · V over all keys. */
function attentionFastWhole(
  out: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  Tq: number,
  Tk: number,
  H: number,
  Hkv: number,
  Hd: number,
  opts: { window?: number; alibiSlopes?: Float32Array | number[] },
): void {
  const mm = new FastMatmul(), group = H / Hkv, scale = 1 / Math.sqrt(Hd);
  const qh = new Float32Array(Tq * Hd), kg = new Float32Array(Tk * Hd), vt = new Float32Array(Hd * Tk);
  const s = new Float32Array(Tq * Tk), o = new Float32Array(Tq * Hd);
  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / group);
    for (let j = 0; j < Tk; j++) {
      kg.set(k.subarray((j * Hkv + g) * Hd, (j * Hkv + g + 1) * Hd), j * Hd);
      for (let d = 0; d < Hd; d++) vt[d * Tk + j] = v[(j * Hkv + g) * Hd + d];
    }
    for (let i = 0; i < Tq; i++) qh.set(q.subarray((i * H + h) * Hd, (i * H + h + 1) * Hd), i * Hd);
    mm.load(qh, Tq, Hd);
    mm.columns(s, kg, Tk, 0, Tk);
    const slope = opts.alibiSlopes ? opts.alibiSlopes[h] : 0;
    for (let i = 0; i < Tq; i++) {
      const p = Tk - Tq + i;
      for (let j = 0; j < Tk; j++) {
        const visible = j <= p && (opts.window === undefined || p - j < opts.window);
        s[i * Tk + j] = visible ? s[i * Tk + j] * scale + slope * (j - p) : -Infinity;
      }
    }
    softmax(s, Tq, Tk);
    mm.load(s, Tq, Tk);
    mm.columns(o, vt, Hd, 0, Hd);
    for (let i = 0; i < Tq; i++) out.set(o.subarray(i * Hd, (i + 1) * Hd), (i * H + h) * Hd);
  }
}

test(
  "attentionFastHeads() (query chunks, visible keys only) gives the bits of the whole-matrix form",
  () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 * QUERY_CHUNK + 5 }),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom([1, 1], [4, 2], [3, 3]),
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        fc.boolean(),
        fc.integer(),
        (Tq, past, [H, Hkv], Hd, window, alibi, seed) => {
          const Tk = Tq + past;
          const q = randomArray(Tq * H * Hd, seed), k = randomArray(Tk * Hkv * Hd, seed + 1);
          const v = randomArray(Tk * Hkv * Hd, seed + 2);
          const opts = { window, alibiSlopes: alibi ? alibiSlopes(H) : undefined };
          const chunked = new Float32Array(Tq * H * Hd), whole = new Float32Array(Tq * H * Hd);
          attentionFastHeads(chunked, q, k, v, Tq, Tk, H, Hkv, Hd, 0, H, opts);
          attentionFastWhole(whole, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
          assertSameBits(chunked, whole, `Tq ${Tq}, Tk ${Tk}, H ${H}/${Hkv}, Hd ${Hd}, window ${window}`);
        },
      ),
      { numRuns: 60 },
    );
  },
  { skip },
);
