// The GPU block change sums against the CPU blockChangeSums() (kernels/cpu/block_change.ts), on
// random shapes (rows shorter and longer than the workgroup) and on the cases BI and RM meet:
// unrelated rows, y = x plus a little noise (1 − cos ≈ 1e-3, a block that barely turns the
// stream), a rescaled x, y = ±x, 3x, zero rows, NaN and ±Inf.
//
// Tolerance: |gpu − cpu| ≤ 1e-6·T + 1e-6·|cpu| on each sum (f32 sums of squares per row and an
// f32 sum of the rows, against float64 sums). Measured on llvmpipe (Deno 2.9.6) over 4000 random
// cases of these kinds, T ≤ 40, D ≤ 700: relative errors up to 3.0e-7 on Σ(1 − cos) and 1.4e-7 on
// Σ relmag; |gpu − cpu| / T up to 4.8e-7 (y = −x, where the sum is 2T).
// Small 1 − cos: the tolerance above allows a relative error of 1e-3 on a Σ(1 − cos) of 1e-3·T
// (and of 1 at 1e-6·T), so the cases with y near a multiple of x are also held to a relative error
// of 1e-6 on Σ(1 − cos), plus 1e-12·T for rows whose 1 − cos is 0 up to rounding. Measured: at most
// 2.0e-7 at 1 − cos ≈ 1e-3, 1.8e-7 at 1e-4, 1.9e-7 at 1e-6, 3.0e-7 for y = 1.3·x + noise. For comparison,
// 1 − x·y/(‖x‖‖y‖) in f32 (what block_change_rows.wgsl avoids) was off by up to 8e-6 at 1e-3 and
// 1.2e-4 at 1e-4.
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { blockChangeSums as blockChangeCpu } from "../cpu/block_change.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests, poisoned } from "./_testing.ts";
import { blockChangeSums } from "./block_change.ts";

const { gpu, skip } = await gpuForTests();
const ATOL_PER_ROW = 1e-6, RTOL = 1e-6, RTOL_SMALL = 1e-6, ATOL_SMALL_PER_ROW = 1e-12;

type Kind = "unrelated" | "near" | "tiny" | "micro" | "rescaled" | "same" | "negated" | "tripled";

/** x [T, D] in [-3, 3) and y of the given kind; some rows of x and/or y zeroed. */
function pair(kind: Kind, T: number, D: number, seed: number, zeroRows: [number, "x" | "y" | "both"][] = []) {
  const x = randomArray(T * D, seed, 3), n = randomArray(T * D, seed + 1);
  const y = {
    unrelated: () => n.map((v) => 3 * v),
    near: () => x.map((v, i) => v + 0.134 * n[i]), // 1 − cos ≈ 1e-3
    tiny: () => x.map((v, i) => v + 0.0424 * n[i]), // 1 − cos ≈ 1e-4
    micro: () => x.map((v, i) => v + 0.00424 * n[i]), // 1 − cos ≈ 1e-6
    rescaled: () => x.map((v, i) => 1.3 * v + 0.134 * n[i]),
    same: () => x.slice(),
    negated: () => x.map((v) => -v),
    tripled: () => x.map((v) => 3 * v),
  }[kind]();
  for (const [r, which] of zeroRows) {
    const t = r % T;
    if (which !== "y") x.fill(0, t * D, (t + 1) * D);
    if (which !== "x") y.fill(0, t * D, (t + 1) * D);
  }
  return { x, y };
}

/** Runs the GPU kernel into slot `slot` of a NaN-poisoned out of `size`; checks the other slots stay NaN. */
async function gpuSums(
  x: Float32Array,
  y: Float32Array,
  T: number,
  D: number,
  { slot = 0, size = 2 * slot + 2, wg, wgSum }: { slot?: number; size?: number; wg?: number; wgSum?: number } = {},
): Promise<[number, number]> {
  const out = poisoned(gpu!, size);
  blockChangeSums(gpu!, out, gpu!.upload(x), gpu!.upload(y), T, D, slot, { wg, wgSum });
  const got = await gpu!.read(out);
  for (let i = 0; i < size; i++) {
    if (i !== 2 * slot && i !== 2 * slot + 1) {
      assert.ok(Number.isNaN(got[i]), `out[${i}] = ${got[i]} written, slot ${slot}`);
    }
  }
  return [got[2 * slot], got[2 * slot + 1]];
}

function cpuSums(x: Float32Array, y: Float32Array, T: number, D: number): [number, number] {
  const out = new Float32Array(2);
  blockChangeCpu(out, x, y, T, D, 0);
  return [out[0], out[1]];
}

function assertSumsClose(got: [number, number], want: [number, number], T: number, label: string) {
  assertAllClose(got, want, { atol: ATOL_PER_ROW * T, rtol: RTOL, label });
}

/** The check of a small Σ(1 − cos): relative, with a floor for rows whose 1 − cos rounds to 0. */
function assertSmallClose(got: number, want: number, T: number, label: string) {
  assertAllClose([got], [want], { atol: ATOL_SMALL_PER_ROW * T, rtol: RTOL_SMALL, label });
}

const kinds: Kind[] = ["unrelated", "near", "tiny", "micro", "rescaled", "same", "negated", "tripled"];
const small = new Set<Kind>(["near", "tiny", "micro", "rescaled"]);

test("blockChangeSums() on the GPU matches the CPU blockChangeSums() and writes only its slot", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 700 }),
      fc.constantFrom(...kinds),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom("x" as const, "y" as const, "both" as const)), { maxLength: 2 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer(),
      async (T, D, kind, zeroRows, slot, spare, seed) => {
        const { x, y } = pair(kind, T, D, seed, zeroRows);
        const label = `${kind} T=${T} D=${D} zero rows ${JSON.stringify(zeroRows)} slot=${slot}`;
        const got = await gpuSums(x, y, T, D, { slot, size: 2 * (slot + 1 + spare) });
        const want = cpuSums(x, y, T, D);
        assertSumsClose(got, want, T, label);
        if (small.has(kind) && zeroRows.length === 0) {
          assertSmallClose(got[0], want[0], T, `Σ(1 − cos), ${label}`);
        }
      },
    ),
    { numRuns: 30 },
  );
}, { skip });

test("blockChangeSums() on the GPU keeps a small Σ(1 − cos) to a small relative error", async () => {
  for (const kind of small) {
    for (const [T, D, seed] of [[1, 700, 1], [7, 64, 2], [40, 513, 3], [33, 700, 4]]) {
      const { x, y } = pair(kind, T, D, seed);
      const got = await gpuSums(x, y, T, D), want = cpuSums(x, y, T, D);
      assertSmallClose(got[0], want[0], T, `Σ(1 − cos), ${kind} T=${T} D=${D}`);
    }
  }
}, { skip });

test("blockChangeSums() on the GPU by hand: y = x, −x, 3x; zero rows; T = 0", async () => {
  const T = 5, D = 300;
  for (const [kind, want] of [["same", [0, 0]], ["negated", [2 * T, 2 * T]], ["tripled", [0, 2 / 3 * T]]] as const) {
    const { x, y } = pair(kind, T, D, 9);
    assertSumsClose(await gpuSums(x, y, T, D), [...want], T, kind);
  }
  // rows: both zero (0.5, 0), x zero (0.5, 1), y zero (0.5, 0)
  const x = new Float32Array([0, 0, 0, 0, 0, 0, 1, 2, 2]);
  const y = new Float32Array([0, 0, 0, 3, 0, 4, 0, 0, 0]);
  assert.deepEqual(await gpuSums(x, y, 3, 3), [1.5, 1]);
  assert.deepEqual(await gpuSums(x, y, 0, 3, { slot: 1 }), [0, 0], "T = 0 sets both sums to 0");
}, { skip });

test("blockChangeSums() on the GPU propagates NaN, ±Inf and f32 overflow into the sums", async () => {
  const T = 6, D = 37;
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (const where of ["x", "y"] as const) {
      const x = randomArray(T * D, 1), y = randomArray(T * D, 2);
      (where === "x" ? x : y)[4 * D + 11] = bad;
      const [bi, rm] = await gpuSums(x, y, T, D);
      assert.ok(!Number.isFinite(bi) && !Number.isFinite(rm), `${bad} in ${where}: sums ${bi}, ${rm}`);
    }
  }
  // Finite values whose squares overflow f32: the float64 oracle is fine, the shader must not
  // return a finite but wrong sum.
  const x = randomArray(T * D, 3, 1e20), y = randomArray(T * D, 4, 1e20);
  const [bi, rm] = await gpuSums(x, y, T, D);
  assert.ok(!Number.isFinite(bi) && !Number.isFinite(rm), `values near 1e20: sums ${bi}, ${rm}`);
}, { skip });

test("blockChangeSums() on the GPU with other workgroup sizes, and a compensated sum of many rows", async () => {
  {
    const T = 9, D = 100;
    const { x, y } = pair("near", T, D, 5);
    assertSumsClose(await gpuSums(x, y, T, D, { wg: 32, wgSum: 4 }), cpuSums(x, y, T, D), T, "wg=32 wgSum=4");
  }
  // One thread adding 20000 rows: a plain f32 sum is off by 6e-6 relative here; the Kahan sum
  // (if the compiler has not folded the compensation away) matches the float64 sum to ~1 ulp.
  const T = 20000, D = 3;
  const x = randomArray(T * D, 5, 3), y = randomArray(T * D, 6, 3);
  const got = await gpuSums(x, y, T, D, { wg: 4, wgSum: 1 });
  assertAllClose(got, cpuSums(x, y, T, D), { atol: 0, rtol: 3e-7, label: "20000 rows summed by one thread" });
}, { skip });

test("blockChangeSums() on the GPU: several blocks before one read; scratch back in the pool", async () => {
  const T = 13, D = 200, L = 4;
  const out = poisoned(gpu!, 2 * L);
  const want: number[] = [];
  const returned = gpu!.poolStats.returned;
  for (let i = 0; i < L; i++) {
    const { x, y } = pair(kinds[i], T, D, 20 + i);
    blockChangeSums(gpu!, out, gpu!.upload(x), gpu!.upload(y), T, D, i);
    want.push(...cpuSums(x, y, T, D));
  }
  assert.equal(gpu!.poolStats.returned - returned, L, "each call returns its scratch");
  assertAllClose(await gpu!.read(out), want, { atol: ATOL_PER_ROW * T, rtol: RTOL, label: "out [L, 2]" });
}, { skip });
