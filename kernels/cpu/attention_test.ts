import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { attention, attentionNaive, type AttentionOptions } from "./attention.ts";
import { alibiSlopes } from "./alibi.ts";
import { randomArray } from "./_random.ts";

interface Case {
  Tq: number;
  Tk: number;
  H: number;
  Hkv: number;
  Hd: number;
  seed: number;
  opts: AttentionOptions;
}

// Random shapes: Hkv divides H, Tq ≤ Tk (the KV-cache case when Tq < Tk), optional window and ALiBi.
const cases: fc.Arbitrary<Case> = fc
  .record({
    Tk: fc.integer({ min: 1, max: 12 }),
    tqFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    Hkv: fc.integer({ min: 1, max: 3 }),
    group: fc.constantFrom(1, 2, 4),
    Hd: fc.integer({ min: 1, max: 9 }),
    window: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    alibi: fc.boolean(),
    seed: fc.integer(),
  })
  .map(({ Tk, tqFrac, Hkv, group, Hd, window, alibi, seed }) => {
    const H = Hkv * group;
    const opts: AttentionOptions = {};
    if (window !== undefined) opts.window = window;
    if (alibi) opts.alibiSlopes = alibiSlopes(H);
    return { Tq: Math.max(1, Math.ceil(tqFrac * Tk)), Tk, H, Hkv, Hd, seed, opts };
  });

function inputs({ Tq, Tk, H, Hkv, Hd, seed }: Case) {
  return {
    q: randomArray(Tq * H * Hd, seed, 2),
    k: randomArray(Tk * Hkv * Hd, seed + 1, 2),
    v: randomArray(Tk * Hkv * Hd, seed + 2),
  };
}

test("attention() equals attentionNaive() on random shapes, GQA, KV cache, window and ALiBi", () => {
  fc.assert(
    fc.property(cases, (c) => {
      const { q, k, v } = inputs(c);
      const fast = new Float32Array(c.Tq * c.H * c.Hd), naive = new Float32Array(c.Tq * c.H * c.Hd);
      attention(fast, q, k, v, c.Tq, c.Tk, c.H, c.Hkv, c.Hd, c.opts);
      attentionNaive(naive, q, k, v, c.Tq, c.Tk, c.H, c.Hkv, c.Hd, c.opts);
      assertAllClose(fast, naive, {
        atol: 1e-5,
        rtol: 1e-5,
        label: `out ${JSON.stringify({ ...c, opts: undefined })}`,
      });
    }),
    { numRuns: 300 },
  );
});

test("attention() with H=8, Hkv=2 and a KV cache (Tq=3 of Tk=10) equals attentionNaive()", () => {
  const c: Case = { Tq: 3, Tk: 10, H: 8, Hkv: 2, Hd: 16, seed: 123, opts: {} };
  const { q, k, v } = inputs(c);
  const fast = new Float32Array(3 * 8 * 16), naive = new Float32Array(3 * 8 * 16);
  attention(fast, q, k, v, 3, 10, 8, 2, 16);
  attentionNaive(naive, q, k, v, 3, 10, 8, 2, 16);
  assertAllClose(fast, naive, { atol: 1e-6, rtol: 1e-5, label: "out" });
});

test("attention() is causal: changing keys and values of later positions leaves earlier outputs unchanged", () => {
  fc.assert(
    fc.property(cases, fc.integer(), (c, seed2) => {
      const { Tq, Tk, H, Hkv, Hd, opts } = c;
      const { q, k, v } = inputs(c);
      const row = H * Hd, kvRow = Hkv * Hd;
      const out = new Float32Array(Tq * row);
      attention(out, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
      // Overwrite keys and values from position cut on; queries at positions < cut must not change.
      for (let cut = Tk - Tq + 1; cut < Tk; cut++) {
        const k2 = k.slice(), v2 = v.slice();
        k2.set(randomArray((Tk - cut) * kvRow, seed2, 5), cut * kvRow);
        v2.set(randomArray((Tk - cut) * kvRow, seed2 + 1, 5), cut * kvRow);
        const out2 = new Float32Array(Tq * row);
        attention(out2, q, k2, v2, Tq, Tk, H, Hkv, Hd, opts);
        const rowsBefore = cut - (Tk - Tq); // query rows i with position Tk - Tq + i < cut
        assert.deepEqual(out2.subarray(0, rowsBefore * row), out.subarray(0, rowsBefore * row), `cut at ${cut}`);
      }
    }),
    { numRuns: 100 },
  );
});

test("attention() with Hkv < H equals multi-head attention with each kv head copied per query head", () => {
  fc.assert(
    fc.property(cases, (c) => {
      const { Tq, Tk, H, Hkv, Hd, opts } = c;
      const { q, k, v } = inputs(c);
      // Expand k, v [Tk, Hkv*Hd] to [Tk, H*Hd]: query head h gets kv head floor(h / (H/Hkv)).
      const kFull = new Float32Array(Tk * H * Hd), vFull = new Float32Array(Tk * H * Hd);
      for (let j = 0; j < Tk; j++) {
        for (let h = 0; h < H; h++) {
          const src = (j * Hkv + Math.floor(h / (H / Hkv))) * Hd;
          kFull.set(k.subarray(src, src + Hd), (j * H + h) * Hd);
          vFull.set(v.subarray(src, src + Hd), (j * H + h) * Hd);
        }
      }
      const gqa = new Float32Array(Tq * H * Hd), mha = new Float32Array(Tq * H * Hd);
      attention(gqa, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
      attention(mha, q, kFull, vFull, Tq, Tk, H, H, Hd, opts);
      assert.deepEqual(gqa, mha);
    }),
    { numRuns: 100 },
  );
});

test("attention() with window w averages only the last w values when scores are equal", () => {
  // q = 0 makes every score 0: the output is the plain mean of the visible values.
  const Tk = 5, w = 2;
  const v = new Float32Array([1, 2, 4, 8, 16]);
  const out = new Float32Array(Tk);
  attention(out, new Float32Array(Tk), new Float32Array(Tk), v, Tk, Tk, 1, 1, 1, { window: w });
  assertAllClose(out, [1, 1.5, 3, 6, 12], { atol: 1e-6, label: "out" });
  attention(out, new Float32Array(Tk), new Float32Array(Tk), v, Tk, Tk, 1, 1, 1);
  assertAllClose(out, [1, 1.5, 7 / 3, 15 / 4, 31 / 5], { atol: 1e-6, label: "out (no window)" });
});

test("attention() adds slope · (j - p) for ALiBi: with zero scores the weights decay with distance", () => {
  // One query at p = 2 over 3 keys, slope 1: weights ∝ exp(-2), exp(-1), exp(0).
  const v = new Float32Array([1, 0, 0]);
  const out = new Float32Array(1);
  attention(out, new Float32Array(1), new Float32Array(3), v, 1, 3, 1, 1, 1, { alibiSlopes: new Float32Array([1]) });
  const z = Math.exp(-2) + Math.exp(-1) + 1;
  assertAllClose(out, [Math.exp(-2) / z], { atol: 1e-7, label: "out" });
});

test("attention() rejects H not a multiple of Hkv and more queries than keys", () => {
  const buf = new Float32Array(64);
  assert.throws(() => attention(buf, buf, buf, buf, 1, 1, 3, 2, 2), /multiple/);
  assert.throws(() => attentionNaive(buf, buf, buf, buf, 3, 2, 1, 1, 2), /Tq=3/);
});
