// The GPU attention against its CPU oracle attentionNaive() (kernels/cpu/attention.ts: the full
// score matrix and softmax, written independently of the online softmax), on random shapes
// with grouped-query heads, KV-cache offsets (Tq < Tk), sliding windows and ALiBi slopes.
// Tolerance: atol 1e-5 + rtol 1e-4 (f32 online softmax against a float32 score matrix).
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { alibiSlopes } from "../cpu/alibi.ts";
import { attentionNaive } from "../cpu/attention.ts";
import { randomArray } from "../cpu/_random.ts";
import { attention } from "./attention.ts";
import { gpuForTests, poisoned } from "./_testing.ts";

const { gpu, skip } = await gpuForTests();
const TOL = { atol: 1e-5, rtol: 1e-4 };

interface Case {
  Tq: number;
  Tk: number;
  Hkv: number;
  group: number;
  Hd: number;
  window?: number;
  alibi: boolean;
  seed: number;
  wg?: number;
}

async function check({ Tq, Tk, Hkv, group, Hd, window, alibi, seed, wg }: Case) {
  const H = Hkv * group;
  const q = randomArray(Tq * H * Hd, seed, 2), k = randomArray(Tk * Hkv * Hd, seed + 1, 2);
  const v = randomArray(Tk * Hkv * Hd, seed + 2);
  const slopes = alibi ? alibiSlopes(H) : undefined;
  const expected = new Float32Array(Tq * H * Hd);
  attentionNaive(expected, q, k, v, Tq, Tk, H, Hkv, Hd, { window, alibiSlopes: slopes });
  const out = poisoned(gpu!, Tq * H * Hd);
  const opts = { window, alibiSlopes: slopes ? gpu!.upload(slopes) : undefined };
  attention(gpu!, out, gpu!.upload(q), gpu!.upload(k), gpu!.upload(v), Tq, Tk, H, Hkv, Hd, opts, wg ? { wg } : {});
  const label = `attention Tq=${Tq} Tk=${Tk} H=${H} Hkv=${Hkv} Hd=${Hd} window=${window} alibi=${alibi}`;
  assertAllClose(await gpu!.read(out), expected, { ...TOL, label });
}

const cases = fc.integer({ min: 1, max: 80 }).chain((Tk) =>
  fc.record({
    Tk: fc.constant(Tk),
    Tq: fc.integer({ min: 1, max: Tk }),
    Hkv: fc.integer({ min: 1, max: 3 }),
    group: fc.integer({ min: 1, max: 3 }),
    Hd: fc.integer({ min: 1, max: 24 }),
    window: fc.option(fc.integer({ min: 1, max: Tk + 2 }), { nil: undefined }),
    alibi: fc.boolean(),
    seed: fc.integer(),
  })
);

test("attention() on the GPU matches attentionNaive() with GQA, KV-cache offsets, windows and ALiBi", async () => {
  await fc.assert(fc.asyncProperty(cases, check), { numRuns: 30 });
}, { skip });

test("attention() on the GPU is right across workgroups and at head dim 128", async () => {
  await check({ Tq: 70, Tk: 70, Hkv: 2, group: 2, Hd: 8, alibi: false, seed: 1 }); // rows past one workgroup of 64
  await check({ Tq: 21, Tk: 30, Hkv: 1, group: 3, Hd: 5, window: 7, alibi: true, seed: 2, wg: 8 });
  await check({ Tq: 5, Tk: 9, Hkv: 2, group: 1, Hd: 128, alibi: false, seed: 3 });
  await check({ Tq: 1, Tk: 1, Hkv: 1, group: 1, Hd: 1, alibi: false, seed: 4 });
}, { skip });
