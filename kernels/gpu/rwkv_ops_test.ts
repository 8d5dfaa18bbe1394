// RWKV's small GPU kernels (kernels/gpu/rwkv_ops.ts) against their CPU oracles
// (kernels/cpu/rwkv_token_shift.ts, rwkv_activations.ts, rwkv_group_norm.ts, rwkv_v7.ts), on
// random shapes that are not multiples of the workgroup: T 1..9, C 1..600, head sizes 1..70.
// Separate outputs are poisoned (NaN) before each dispatch, so an element left unwritten fails.
//
// Tolerances, |gpu − oracle| ≤ atol + rtol·|oracle|, and in brackets the largest difference
// measured on llvmpipe over 150 random cases of each:
// - tokenShift (prev and last), mulInPlace, relu²: exact. No arithmetic, or one f32 product
//   rounded as the oracle rounds it.                                                         [0]
// - timeMix, timeMaa, valueResidual7, keys7's k: atol 1e-6, rtol 1e-6. Three or four f32
//   roundings of intermediates ≤ 4 where the oracle rounds a float64 expression once.   [4.8e-7]
// - sigmoid, tanh, silu, decay7, sigmoidOfSum: atol 1e-6, rtol 1e-5 (f32 exp and tanh). Inputs
//   include ±100 and ±89, where exp(−x) overflows f32: σ → 0, silu → ±0, tanh → ±1.
//                                                [1.8e-7; silu 9.5e-7 at x ≈ 20, 5e-8 relative]
// - groupNorm: atol 1e-5, rtol 1e-5. f32 sums over a group against float64 ones; rows far
//   from zero compared with their spread included (see group_norm.wgsl).          [9.5e-7]
// - keys7's κ̂: atol 1e-6, rtol 1e-5. f32 sum of squares over a head (|κ̂| ≤ 1).          [1.2e-7]
// - bonus7: atol 1e-5, rtol 1e-5. f32 dot product over a head against a float64 one.   [6.0e-7]
import fc from "fast-check";
import assert from "node:assert/strict";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { randomArray } from "../cpu/_random.ts";
import { timeMaa as timeMaaCpu, timeMix as timeMixCpu, tokenShift as tokenShiftCpu } from "../cpu/rwkv_token_shift.ts";
import {
  mulInPlace as mulInPlaceCpu,
  reluSquaredInPlace,
  sigmoidInPlace,
  siluInPlace,
  tanhInPlace,
} from "../cpu/rwkv_activations.ts";
import { groupNorm as groupNormCpu } from "../cpu/rwkv_group_norm.ts";
import {
  bonus7 as bonus7Cpu,
  decay7 as decay7Cpu,
  keys7 as keys7Cpu,
  sigmoidOfSum,
  valueResidual7 as valueResidual7Cpu,
} from "../cpu/rwkv_v7.ts";
import { gpuForTests, poisoned } from "./_testing.ts";
import {
  activate,
  bonus7,
  decay7InPlace,
  groupNorm,
  keys7,
  mulInPlace,
  type RwkvActivation,
  sigmoidOfSumInPlace,
  timeMaa,
  timeMix,
  tokenShift,
  valueResidual7,
} from "./rwkv_ops.ts";

const { gpu, skip } = await gpuForTests();

const EXACT = { atol: 0, rtol: 0 };
const MIX_TOL = { atol: 1e-6, rtol: 1e-6 };
const EXP_TOL = { atol: 1e-6, rtol: 1e-5 };
const NORM_TOL = { atol: 1e-5, rtol: 1e-5 };
const KEYS_TOL = { atol: 1e-6, rtol: 1e-5 };
const BONUS_TOL = { atol: 1e-5, rtol: 1e-5 };

const tokens = fc.integer({ min: 1, max: 9 });
const channels = fc.integer({ min: 1, max: 600 });
const heads = fc.integer({ min: 1, max: 6 });
const headSize = fc.integer({ min: 1, max: 70 });
const size = fc.integer({ min: 1, max: 3000 });
const seed = fc.integer();
const RUNS = { numRuns: 12 };

/** A tensor on the GPU holding a copy of `a` (uploads copy, so `a` stays the oracle's). */
const up = (a: Float32Array) => gpu!.upload(a, "input");

/** Writes extreme values over the first elements of `x` (as many as fit). */
function withExtremes(x: Float32Array, extremes: readonly number[]): Float32Array {
  x.set(extremes.slice(0, x.length));
  return x;
}
const EXTREMES = [-100, 100, -89, 89, -20, 20, 0, -1e-30] as const;

test("tokenShift() on the GPU gives the CPU's prev and updated last", async () => {
  await fc.assert(
    fc.asyncProperty(tokens, channels, seed, async (T, C, s) => {
      const h = randomArray(T * C, s), last = randomArray(C, s + 1);
      const expectedPrev = new Float32Array(T * C), expectedLast = last.slice();
      tokenShiftCpu(expectedPrev, h, expectedLast, T, C);
      const prev = poisoned(gpu!, T * C), lastGpu = up(last);
      tokenShift(gpu!, prev, up(h), lastGpu, T, C);
      assertAllClose(await gpu!.read(prev), expectedPrev, { ...EXACT, label: `tokenShift prev T=${T} C=${C}` });
      assertAllClose(await gpu!.read(lastGpu), expectedLast, { ...EXACT, label: `tokenShift last T=${T} C=${C}` });
    }),
    RUNS,
  );
}, { skip });

test("tokenShift() chains across calls: the second call's prev[0] is the first call's h[T−1]", async () => {
  const C = 5, last = up(new Float32Array(C));
  const h1 = randomArray(2 * C, 1), h2 = randomArray(3 * C, 2);
  const prev1 = poisoned(gpu!, 2 * C), prev2 = poisoned(gpu!, 3 * C);
  tokenShift(gpu!, prev1, up(h1), last, 2, C);
  tokenShift(gpu!, prev2, up(h2), last, 3, C);
  const got = await gpu!.read(prev2);
  assertAllClose(got.subarray(0, C), h1.subarray(C, 2 * C), { ...EXACT, label: "prev2[0]" });
  assertAllClose(got.subarray(C), h2.subarray(0, 2 * C), { ...EXACT, label: "prev2[1..]" });
  assertAllClose(await gpu!.read(last), h2.subarray(2 * C), { ...EXACT, label: "last" });
}, { skip });

test("timeMix() on the GPU matches the CPU timeMix()", async () => {
  await fc.assert(
    fc.asyncProperty(tokens, channels, seed, async (T, C, s) => {
      const h = randomArray(T * C, s), prev = randomArray(T * C, s + 1), mix = randomArray(C, s + 2).map(Math.abs);
      const expected = new Float32Array(T * C);
      timeMixCpu(expected, h, prev, mix, T, C);
      const out = poisoned(gpu!, T * C);
      timeMix(gpu!, out, up(h), up(prev), up(mix), T, C);
      assertAllClose(await gpu!.read(out), expected, { ...MIX_TOL, label: `timeMix T=${T} C=${C}` });
    }),
    RUNS,
  );
}, { skip });

test("timeMaa() on the GPU matches the CPU timeMaa(), with and without extra", async () => {
  await fc.assert(
    fc.asyncProperty(tokens, channels, fc.boolean(), seed, async (T, C, withExtra, s) => {
      const h = randomArray(T * C, s), prev = randomArray(T * C, s + 1), maa = randomArray(C, s + 2);
      const extra = withExtra ? randomArray(T * C, s + 3) : undefined;
      const expected = new Float32Array(T * C);
      timeMaaCpu(expected, h, prev, maa, T, C, extra);
      const out = poisoned(gpu!, T * C);
      timeMaa(gpu!, out, up(h), up(prev), up(maa), T, C, extra && up(extra));
      assertAllClose(await gpu!.read(out), expected, { ...MIX_TOL, label: `timeMaa T=${T} C=${C} extra=${withExtra}` });
    }),
    RUNS,
  );
}, { skip });

const ORACLES: Record<RwkvActivation, { fn: (x: Float32Array) => void; tol: typeof EXACT }> = {
  sigmoid: { fn: (x) => sigmoidInPlace(x), tol: EXP_TOL },
  tanh: { fn: (x) => tanhInPlace(x), tol: EXP_TOL },
  silu: { fn: (x) => siluInPlace(x), tol: EXP_TOL },
  relu2: { fn: (x) => reluSquaredInPlace(x), tol: EXACT },
};

for (const f of Object.keys(ORACLES) as RwkvActivation[]) {
  test(`activate(${f}) on the GPU matches the CPU, ±100 and ±89 included`, async () => {
    await fc.assert(
      fc.asyncProperty(size, seed, async (n, s) => {
        const x = withExtremes(randomArray(n, s, 8), EXTREMES);
        const expected = x.slice();
        ORACLES[f].fn(expected);
        const xGpu = up(x);
        activate(gpu!, xGpu, n, f);
        assertAllClose(await gpu!.read(xGpu), expected, { ...ORACLES[f].tol, label: `${f} n=${n}` });
      }),
      RUNS,
    );
  }, { skip });
}

// (relu² is left out: its square of 1e30 overflows, which WGSL leaves undefined.)
test("activate() gives no NaN at ±1e30 and ±3e38", async () => {
  const x = new Float32Array([-1e30, 1e30, -3e38, 3e38]);
  for (const f of ["sigmoid", "tanh", "silu"] as const) {
    const expected = x.slice();
    ORACLES[f].fn(expected);
    const xGpu = up(x);
    activate(gpu!, xGpu, x.length, f);
    assertAllClose(await gpu!.read(xGpu), expected, { ...EXP_TOL, label: `${f} of huge inputs` });
  }
}, { skip });

test("mulInPlace() on the GPU matches the CPU mulInPlace()", async () => {
  await fc.assert(
    fc.asyncProperty(size, seed, async (n, s) => {
      const x = randomArray(n, s, 4), y = randomArray(n, s + 1, 4);
      const expected = x.slice();
      mulInPlaceCpu(expected, y, n);
      const xGpu = up(x);
      mulInPlace(gpu!, xGpu, up(y), n);
      assertAllClose(await gpu!.read(xGpu), expected, { ...EXACT, label: `mul n=${n}` });
    }),
    RUNS,
  );
}, { skip });

test("in-place kernels refuse a tensor bound twice", () => {
  const x = up(new Float32Array(4));
  assert.throws(() => mulInPlace(gpu!, x, x, 4), /same tensor/);
  assert.throws(() => valueResidual7(gpu!, x, x, up(new Float32Array(4)), 4), /same tensor/);
  assert.throws(() => groupNorm(gpu!, x, x, up(new Float32Array(4)), up(new Float32Array(4)), 1, 2, 2, 1e-5), /same/);
}, { skip });

async function checkGroupNorm(T: number, G: number, S: number, eps: number, s: number, offset = 0, spread = 3) {
  const C = G * S;
  const x = randomArray(T * C, s, spread).map((v) => v + offset),
    w = randomArray(C, s + 1, 2),
    b = randomArray(C, s + 2);
  const expected = new Float32Array(T * C);
  groupNormCpu(expected, x, w, b, T, G, S, eps);
  const out = poisoned(gpu!, T * C);
  groupNorm(gpu!, out, up(x), up(w), up(b), T, G, S, eps);
  const label = `groupNorm T=${T} G=${G} S=${S} eps=${eps} x=${offset}±${spread}`;
  assertAllClose(await gpu!.read(out), expected, { ...NORM_TOL, label });
}

test("groupNorm() on the GPU matches the CPU groupNorm()", async () => {
  await fc.assert(
    fc.asyncProperty(
      tokens,
      heads,
      headSize,
      fc.constantFrom(1e-5, 64e-5),
      seed,
      (T, G, S, eps, s) => checkGroupNorm(T, G, S, eps, s),
    ),
    RUNS,
  );
  await checkGroupNorm(2, 3, 1, 1e-5, 1); // one channel per group: out = bias
  await checkGroupNorm(3, 2, 64, 64e-5, 2); // RWKV-7's head size and eps
  await checkGroupNorm(2, 2, 70, 1e-5, 3); // more channels than threads
  // Values far from zero compared with their spread: the f32 mean's rounding must not show.
  await checkGroupNorm(3, 40, 2, 1e-5, 4, 100, 0.03);
  await checkGroupNorm(3, 5, 64, 1e-5, 5, 3, 3e-3);
}, { skip });

test("decay7InPlace() and sigmoidOfSumInPlace() on the GPU match the CPU, ±100 included", async () => {
  await fc.assert(
    fc.asyncProperty(tokens, channels, seed, async (T, C, s) => {
      const x = withExtremes(randomArray(T * C, s, 5), EXTREMES), bias = randomArray(C, s + 1, 3);
      const expectedDecay = new Float32Array(T * C), expectedSigmoid = new Float32Array(T * C);
      decay7Cpu(expectedDecay, bias, x, T, C);
      sigmoidOfSum(expectedSigmoid, bias, x, T, C);
      const w = up(x), a = up(x), biasGpu = up(bias);
      decay7InPlace(gpu!, w, biasGpu, T, C);
      sigmoidOfSumInPlace(gpu!, a, biasGpu, T, C);
      assertAllClose(await gpu!.read(w), expectedDecay, { ...EXP_TOL, label: `decay7 T=${T} C=${C}` });
      assertAllClose(await gpu!.read(a), expectedSigmoid, { ...EXP_TOL, label: `sigmoidOfSum T=${T} C=${C}` });
    }),
    RUNS,
  );
}, { skip });

test("valueResidual7() on the GPU matches the CPU valueResidual7()", async () => {
  await fc.assert(
    fc.asyncProperty(size, seed, async (n, s) => {
      const v = randomArray(n, s), vFirst = randomArray(n, s + 1), gate = randomArray(n, s + 2).map(Math.abs);
      const expected = v.slice();
      valueResidual7Cpu(expected, vFirst, gate, n);
      const vGpu = up(v);
      valueResidual7(gpu!, vGpu, up(vFirst), up(gate), n);
      assertAllClose(await gpu!.read(vGpu), expected, { ...MIX_TOL, label: `valueResidual7 n=${n}` });
    }),
    RUNS,
  );
}, { skip });

async function checkKeys(T: number, H: number, S: number, s: number, zeroHead = false) {
  const C = H * S;
  const k = randomArray(T * C, s, 2), a = randomArray(T * C, s + 1).map(Math.abs);
  const k_k = randomArray(C, s + 2), k_a = randomArray(C, s + 3);
  if (zeroHead) k.fill(0, 0, S); // ‖k ⊙ k_k‖ = 0: κ̂ = 0 (eps 1e-12)
  const expectedKk = new Float32Array(T * C), expectedK = k.slice();
  keys7Cpu(expectedKk, expectedK, a, k_k, k_a, T, H, S);
  const kk = poisoned(gpu!, T * C), kGpu = up(k);
  keys7(gpu!, kk, kGpu, up(a), up(k_k), up(k_a), T, H, S);
  const label = `keys7 T=${T} H=${H} S=${S}`;
  assertAllClose(await gpu!.read(kk), expectedKk, { ...KEYS_TOL, label: `${label} kk` });
  assertAllClose(await gpu!.read(kGpu), expectedK, { ...MIX_TOL, label: `${label} k` });
}

test("keys7() on the GPU matches the CPU keys7(): κ̂ and the updated k", async () => {
  await fc.assert(fc.asyncProperty(tokens, heads, headSize, seed, (T, H, S, s) => checkKeys(T, H, S, s)), RUNS);
  await checkKeys(2, 3, 1, 1); // one channel per head: κ̂ = ±1
  await checkKeys(2, 2, 70, 2, true); // more channels than threads; a zero head
}, { skip });

async function checkBonus(T: number, H: number, S: number, s: number) {
  const C = H * S;
  const y = randomArray(T * C, s, 3), r = randomArray(T * C, s + 1), k = randomArray(T * C, s + 2);
  const v = randomArray(T * C, s + 3), r_k = randomArray(C, s + 4);
  const expected = y.slice();
  bonus7Cpu(expected, r, k, v, r_k, T, H, S);
  const yGpu = up(y);
  bonus7(gpu!, yGpu, up(r), up(k), up(v), up(r_k), T, H, S);
  assertAllClose(await gpu!.read(yGpu), expected, { ...BONUS_TOL, label: `bonus7 T=${T} H=${H} S=${S}` });
}

test("bonus7() on the GPU matches the CPU bonus7()", async () => {
  await fc.assert(fc.asyncProperty(tokens, heads, headSize, seed, checkBonus), RUNS);
  await checkBonus(2, 3, 1, 1);
  await checkBonus(2, 2, 70, 2);
}, { skip });

test("the row kernels and the elementwise kernels cover more than 65535 workgroups (a 2-D grid)", async () => {
  const T = 2, H = 32769, S = 2; // 65538 (token, head) rows of one workgroup each
  await checkGroupNorm(T, H, S, 1e-5, 11);
  await checkKeys(T, H, S, 12);
  await checkBonus(T, H, S, 13);
  const n = 65535 * 256 + 300; // elements at 256 per workgroup
  const x = randomArray(n, 14, 4), expected = x.slice();
  reluSquaredInPlace(expected);
  const xGpu = up(x);
  activate(gpu!, xGpu, n, "relu2");
  assertAllClose(await gpu!.read(xGpu), expected, { ...EXACT, label: `relu2 n=${n}` });
}, { skip });
