import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { attention, attentionNaive, type AttentionOptions } from "./attention.ts";
import { attentionBlocked, attentionHeads } from "./attention_blocked.ts";
import { alibiSlopes } from "./alibi.ts";
import { randomArray } from "./_random.ts";
import { assertSameBits } from "./_same_bits.ts";

// Random shapes: Hkv divides H, Tq ≤ Tk (the KV-cache case when Tq < Tk), optional window and
// ALiBi; Tk up to 23 so both the 4-key blocks and the leftover keys are exercised.
const cases = fc
  .record({
    Tk: fc.integer({ min: 1, max: 23 }),
    tqFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    Hkv: fc.integer({ min: 1, max: 3 }),
    group: fc.constantFrom(1, 2, 4),
    Hd: fc.integer({ min: 1, max: 9 }),
    window: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
    alibi: fc.boolean(),
    seed: fc.integer(),
  })
  .map(({ Tk, tqFrac, Hkv, group, Hd, window, alibi, seed }) => {
    const H = Hkv * group;
    const opts: AttentionOptions = {};
    if (window !== undefined) opts.window = window;
    if (alibi) opts.alibiSlopes = alibiSlopes(H);
    const Tq = Math.max(1, Math.ceil(tqFrac * Tk));
    return {
      Tq,
      Tk,
      H,
      Hkv,
      Hd,
      opts,
      q: randomArray(Tq * H * Hd, seed, 2),
      k: randomArray(Tk * Hkv * Hd, seed + 1, 2),
      v: randomArray(Tk * Hkv * Hd, seed + 2),
    };
  });

test("attentionBlocked() gives the same bits as attention() (and stays close to attentionNaive())", () => {
  fc.assert(
    fc.property(cases, ({ Tq, Tk, H, Hkv, Hd, opts, q, k, v }) => {
      const label = `out Tq=${Tq} Tk=${Tk} H=${H} Hkv=${Hkv} Hd=${Hd} window=${opts.window} alibi=${!!opts
        .alibiSlopes}`;
      const blocked = new Float32Array(Tq * H * Hd),
        online = new Float32Array(Tq * H * Hd),
        naive = new Float32Array(Tq * H * Hd);
      attentionBlocked(blocked, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
      attention(online, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
      attentionNaive(naive, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
      assertSameBits(blocked, online, label);
      assertAllClose(blocked, naive, { atol: 1e-5, rtol: 1e-5, label });
    }),
    { numRuns: 300 },
  );
});

test("attentionHeads() writes exactly heads h0..h1-1, as attentionBlocked() computes them", () => {
  fc.assert(
    fc.property(cases, fc.nat(), fc.nat(), ({ Tq, Tk, H, Hkv, Hd, opts, q, k, v }, a, b) => {
      const h0 = a % (H + 1), h1 = h0 + (b % (H - h0 + 1));
      const whole = new Float32Array(Tq * H * Hd);
      attentionBlocked(whole, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
      const part = new Float32Array(Tq * H * Hd).fill(-7);
      attentionHeads(part, q, k, v, Tq, Tk, H, Hkv, Hd, h0, h1, opts);
      const want = whole.map((x, i) => {
        const h = Math.floor((i % (H * Hd)) / Hd);
        return h >= h0 && h < h1 ? x : -7;
      });
      assertSameBits(part, want, `heads ${h0}..${h1 - 1} of H=${H}`);
    }),
    { numRuns: 200 },
  );
});
