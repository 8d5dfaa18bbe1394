// The GPU WKV recurrences of RWKV-4, -5, -6 and -7 (kernels/gpu/rwkv_wkv.ts) against their CPU
// oracles wkv4() (kernels/cpu/rwkv_wkv4.ts), wkv5() and wkv6() (kernels/cpu/rwkv_wkv5.ts) and
// wkv7() (kernels/cpu/rwkv_wkv7.ts): the outputs y and the updated state, from the empty state
// and from a random one, on random shapes (head sizes below, at and above a workgroup of 32 or
// 64, S = 64 and 128), with realistic ranges (wkv4: keys in [-3, 3], time_decay in [-2, 2];
// wkv6: dw in [-1, 1]; wkv7: w in (0.5, 1), κ̂ of unit norm per head, a in (0, 1)). Running a
// sequence in two parts with the state carried over must equal running it whole, bit for bit:
// the state lives in f32 in both cases and the same shader does the same operations.
// Tolerance: atol 1e-5 + rtol 1e-4, for y and state alike: the shaders keep the state and the
// sums over a head (S ≤ 128 terms) in f32, the oracles in float64, and the state carries its
// rounding from token to token (the error did not grow with T: the recurrences decay the past). Measured
// on llvmpipe, largest |gpu − oracle| over 300 runs of each property and 30 more with T up to
// 300 (largest share of the tolerance in parentheses): wkv4 y 4.3e-7, state 2.4e-6 (0.05);
// wkv5/6 y 3.8e-6, state 9.5e-7 (0.15); wkv7 y 3.8e-6, state 4.8e-7 (0.12).
import fc from "fast-check";
import assert from "node:assert/strict";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { wkv4 as wkv4Cpu } from "../cpu/rwkv_wkv4.ts";
import { wkv5 as wkv5Cpu, wkv6 as wkv6Cpu } from "../cpu/rwkv_wkv5.ts";
import { wkv7 as wkv7Cpu } from "../cpu/rwkv_wkv7.ts";
import { randomArray } from "../cpu/_random.ts";
import { MAX_WKV_HEAD_SIZE, wkv4, wkv5, wkv7, wkvHeadSizeProblem } from "./rwkv_wkv.ts";
import type { GpuTensor } from "./device.ts";
import { gpuForTests, poisoned } from "./_testing.ts";

const { gpu, skip } = await gpuForTests();
const TOL = { atol: 1e-5, rtol: 1e-4 };

// A Float32Array of n values uniform in [lo, hi).
function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  return randomArray(n, seed).map((x) => lo + (hi - lo) * (x + 1) / 2);
}

// Uploads `inputs` and `start`, records one kernel on them with `record`, reads back y [n] and
// the state and destroys the buffers (left to the garbage collector, hundreds of them stay alive).
async function onGpu(
  inputs: (Float32Array | undefined)[],
  start: Float32Array,
  n: number,
  record: (y: GpuTensor, state: GpuTensor, ...inputs: (GpuTensor | undefined)[]) => void,
): Promise<{ y: Float32Array; state: Float32Array }> {
  const g = gpu!, y = poisoned(g, n), state = g.upload(start);
  const tensors = inputs.map((x) => x && g.upload(x));
  record(y, state, ...tensors);
  const result = { y: await g.read(y), state: await g.read(state) };
  for (const t of [y, state, ...tensors]) t?.buffer.destroy();
  return result;
}

// Rows [from, to) of a [T, C] array.
function rows(x: Float32Array, C: number, from: number, to: number): Float32Array {
  return x.subarray(from * C, to * C);
}

// ---------------------------------------------------------------------------------------------
// WKV-4

interface Wkv4Inputs {
  k: Float32Array; // [T, C]
  v: Float32Array; // [T, C]
  td: Float32Array; // [C]
  tf: Float32Array; // [C]
}

function wkv4Inputs(T: number, C: number, seed: number): Wkv4Inputs {
  return {
    k: randomArray(T * C, seed, 3),
    v: randomArray(T * C, seed + 1),
    td: randomArray(C, seed + 2, 2),
    tf: randomArray(C, seed + 3),
  };
}

// [3·C] = aa | bb | pp: the empty state, or a reachable one (bb > 0, |aa| ≤ bb, pp in [-3, 3]).
function wkv4Start(C: number, seed: number | null): Float32Array {
  const s = new Float32Array(3 * C);
  if (seed === null) {
    s.fill(-1e38, 2 * C);
    return s;
  }
  const bb = uniform(C, seed, 0.1, 2), ratio = randomArray(C, seed + 1), pp = randomArray(C, seed + 2, 3);
  for (let c = 0; c < C; c++) s[c] = bb[c] * ratio[c], s[C + c] = bb[c], s[2 * C + c] = pp[c];
  return s;
}

function wkv4Oracle(x: Wkv4Inputs, start: Float32Array, T: number, C: number) {
  const y = new Float32Array(T * C);
  const s = {
    aa: Float64Array.from(start.subarray(0, C)),
    bb: Float64Array.from(start.subarray(C, 2 * C)),
    pp: Float64Array.from(start.subarray(2 * C)),
  };
  wkv4Cpu(y, x.k, x.v, x.td, x.tf, s, T, C);
  const state = new Float32Array(3 * C);
  state.set(s.aa), state.set(s.bb, C), state.set(s.pp, 2 * C);
  return { y, state };
}

async function wkv4Gpu(x: Wkv4Inputs, start: Float32Array, T: number, C: number) {
  return await onGpu([x.k, x.v, x.td, x.tf], start, T * C, (y, state, k, v, td, tf) => {
    wkv4(gpu!, y, k!, v!, td!, tf!, state, T, C);
  });
}

async function checkWkv4(T: number, C: number, seed: number, fromEmpty: boolean) {
  const x = wkv4Inputs(T, C, seed), start = wkv4Start(C, fromEmpty ? null : seed + 10);
  const expected = wkv4Oracle(x, start, T, C), actual = await wkv4Gpu(x, start, T, C);
  const label = `wkv4 T=${T} C=${C} ${fromEmpty ? "empty" : "random"} state`;
  assertAllClose(actual.y, expected.y, { ...TOL, label: `${label}: y` });
  assertAllClose(actual.state, expected.state, { ...TOL, label: `${label}: state` });
}

test("wkv4() on the GPU matches the CPU wkv4() in y and state, from the empty and a random state", async () => {
  const cases = [
    fc.integer({ min: 1, max: 12 }),
    fc.integer({ min: 1, max: 150 }),
    fc.integer(),
    fc.boolean(),
  ] as const;
  await fc.assert(fc.asyncProperty(...cases, checkWkv4), { numRuns: 15 });
  await checkWkv4(1, 1, 1, true);
  await checkWkv4(3, 200, 2, false); // channels over several workgroups of 64
}, { skip });

test("wkv4() on the GPU run in two parts with the state carried over equals one run", async () => {
  const cases = [fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 100 }), fc.integer()] as const;
  await fc.assert(
    fc.asyncProperty(...cases, async (T, C, seed) => {
      const cut = 1 + Math.abs(seed % (T - 1)), x = wkv4Inputs(T, C, seed), start = wkv4Start(C, seed + 10);
      const whole = await wkv4Gpu(x, start, T, C);
      const part = (from: number, to: number) => ({ ...x, k: rows(x.k, C, from, to), v: rows(x.v, C, from, to) });
      const first = await wkv4Gpu(part(0, cut), start, cut, C);
      const second = await wkv4Gpu(part(cut, T), first.state, T - cut, C);
      const label = `wkv4 T=${T} cut=${cut} C=${C}`;
      assertAllClose([...first.y, ...second.y], whole.y, { atol: 0, label: `${label}: y` });
      assertAllClose(second.state, whole.state, { atol: 0, label: `${label}: state` });
    }),
    { numRuns: 10 },
  );
}, { skip });

// ---------------------------------------------------------------------------------------------
// WKV-5 and WKV-6

interface Wkv5Inputs {
  r: Float32Array; // [T, H·S]
  k: Float32Array; // [T, H·S]
  v: Float32Array; // [T, H·S]
  td: Float32Array; // [H·S]
  u: Float32Array; // [H·S]
  dw?: Float32Array; // [T, H·S], v6 only
}

function wkv5Inputs(T: number, C: number, seed: number, v6: boolean): Wkv5Inputs {
  const [r, k, v] = [0, 1, 2].map((i) => randomArray(T * C, seed + i));
  const td = randomArray(C, seed + 3, 2), u = randomArray(C, seed + 4);
  return { r, k, v, td, u, dw: v6 ? randomArray(T * C, seed + 5) : undefined };
}

function wkv5Oracle(x: Wkv5Inputs, start: Float32Array, T: number, H: number, S: number) {
  const y = new Float32Array(T * H * S), s = Float64Array.from(start);
  if (x.dw) wkv6Cpu(y, x.r, x.k, x.v, x.td, x.dw, x.u, s, T, H, S);
  else wkv5Cpu(y, x.r, x.k, x.v, x.td, x.u, s, T, H, S);
  return { y, state: Float32Array.from(s) };
}

async function wkv5Gpu(x: Wkv5Inputs, start: Float32Array, T: number, H: number, S: number) {
  return await onGpu([x.r, x.k, x.v, x.td, x.u, x.dw], start, T * H * S, (y, state, r, k, v, td, u, dw) => {
    wkv5(gpu!, y, r!, k!, v!, td!, u!, state, T, H, S, dw);
  });
}

interface HeadCase {
  T: number;
  H: number;
  S: number;
  seed: number;
  fromEmpty: boolean;
}

async function checkWkv5({ T, H, S, seed, fromEmpty }: HeadCase, v6: boolean) {
  const x = wkv5Inputs(T, H * S, seed, v6);
  const start = fromEmpty ? new Float32Array(H * S * S) : randomArray(H * S * S, seed + 10);
  const expected = wkv5Oracle(x, start, T, H, S), actual = await wkv5Gpu(x, start, T, H, S);
  const label = `wkv${v6 ? 6 : 5} T=${T} H=${H} S=${S} ${fromEmpty ? "empty" : "random"} state`;
  assertAllClose(actual.y, expected.y, { ...TOL, label: `${label}: y` });
  assertAllClose(actual.state, expected.state, { ...TOL, label: `${label}: state` });
}

const headCases = fc.record({
  T: fc.integer({ min: 1, max: 12 }),
  H: fc.integer({ min: 1, max: 4 }),
  S: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(32, 33, 64)),
  seed: fc.integer(),
  fromEmpty: fc.boolean(),
});

test("wkv5() on the GPU matches the CPU wkv5() (no dw) and wkv6() (dw) in y and state", async () => {
  await fc.assert(fc.asyncProperty(headCases, fc.boolean(), checkWkv5), { numRuns: 15 });
  await checkWkv5({ T: 4, H: 2, S: 64, seed: 1, fromEmpty: false }, true); // the head size of RWKV-5/6 models
  await checkWkv5({ T: 2, H: 1, S: MAX_WKV_HEAD_SIZE, seed: 2, fromEmpty: false }, false);
  await checkWkv5({ T: 1, H: 3, S: 1, seed: 3, fromEmpty: true }, true);
}, { skip });

test("wkv5() on the GPU run in two parts with the state carried over equals one run", async () => {
  await fc.assert(
    fc.asyncProperty(headCases.filter((c) => c.T >= 2), fc.boolean(), async ({ T, H, S, seed }, v6) => {
      const C = H * S, cut = 1 + Math.abs(seed % (T - 1));
      const x = wkv5Inputs(T, C, seed, v6), start = randomArray(H * S * S, seed + 10);
      const whole = await wkv5Gpu(x, start, T, H, S);
      const part = (from: number, to: number): Wkv5Inputs => ({
        ...x,
        r: rows(x.r, C, from, to),
        k: rows(x.k, C, from, to),
        v: rows(x.v, C, from, to),
        dw: x.dw && rows(x.dw, C, from, to),
      });
      const first = await wkv5Gpu(part(0, cut), start, cut, H, S);
      const second = await wkv5Gpu(part(cut, T), first.state, T - cut, H, S);
      const label = `wkv${v6 ? 6 : 5} T=${T} cut=${cut} H=${H} S=${S}`;
      assertAllClose([...first.y, ...second.y], whole.y, { atol: 0, label: `${label}: y` });
      assertAllClose(second.state, whole.state, { atol: 0, label: `${label}: state` });
    }),
    { numRuns: 10 },
  );
}, { skip });

// ---------------------------------------------------------------------------------------------
// WKV-7

interface Wkv7Inputs {
  r: Float32Array; // [T, H·N]
  w: Float32Array; // [T, H·N] in (0.5, 1)
  k: Float32Array; // [T, H·N]
  v: Float32Array; // [T, H·N]
  kk: Float32Array; // [T, H·N] unit norm per head
  a: Float32Array; // [T, H·N] in (0, 1)
}

function wkv7Inputs(T: number, H: number, N: number, seed: number): Wkv7Inputs {
  const C = H * N;
  const [r, k, v] = [0, 1, 2].map((i) => randomArray(T * C, seed + i));
  const kk = randomArray(T * C, seed + 3);
  for (let o = 0; o < T * C; o += N) {
    const head = kk.subarray(o, o + N);
    const norm = Math.hypot(...head);
    if (norm > 0) head.forEach((x, j) => head[j] = x / norm);
  }
  return { r, w: uniform(T * C, seed + 4, 0.5, 1), k, v, kk, a: uniform(T * C, seed + 5, 0, 1) };
}

function wkv7Oracle(x: Wkv7Inputs, start: Float32Array, T: number, H: number, N: number) {
  const y = new Float32Array(T * H * N), s = Float64Array.from(start);
  wkv7Cpu(y, x.r, x.w, x.k, x.v, x.kk, x.a, s, T, H, N);
  return { y, state: Float32Array.from(s) };
}

async function wkv7Gpu(x: Wkv7Inputs, start: Float32Array, T: number, H: number, N: number) {
  return await onGpu([x.r, x.w, x.k, x.v, x.kk, x.a], start, T * H * N, (y, state, r, w, k, v, kk, a) => {
    wkv7(gpu!, y, r!, w!, k!, v!, kk!, a!, state, T, H, N);
  });
}

async function checkWkv7({ T, H, S: N, seed, fromEmpty }: HeadCase) {
  const x = wkv7Inputs(T, H, N, seed);
  const start = fromEmpty ? new Float32Array(H * N * N) : randomArray(H * N * N, seed + 10);
  const expected = wkv7Oracle(x, start, T, H, N), actual = await wkv7Gpu(x, start, T, H, N);
  const label = `wkv7 T=${T} H=${H} N=${N} ${fromEmpty ? "empty" : "random"} state`;
  assertAllClose(actual.y, expected.y, { ...TOL, label: `${label}: y` });
  assertAllClose(actual.state, expected.state, { ...TOL, label: `${label}: state` });
}

test("wkv7() on the GPU matches the CPU wkv7() in y and state, from the empty and a random state", async () => {
  await fc.assert(fc.asyncProperty(headCases, checkWkv7), { numRuns: 15 });
  await checkWkv7({ T: 4, H: 2, S: 64, seed: 1, fromEmpty: false }); // the head size of RWKV-7 models
  await checkWkv7({ T: 2, H: 1, S: MAX_WKV_HEAD_SIZE, seed: 2, fromEmpty: false });
  await checkWkv7({ T: 1, H: 3, S: 1, seed: 3, fromEmpty: true });
}, { skip });

test("wkv7() on the GPU run in two parts with the state carried over equals one run", async () => {
  await fc.assert(
    fc.asyncProperty(headCases.filter((c) => c.T >= 2), async ({ T, H, S: N, seed }) => {
      const C = H * N, cut = 1 + Math.abs(seed % (T - 1));
      const x = wkv7Inputs(T, H, N, seed), start = randomArray(H * N * N, seed + 10);
      const whole = await wkv7Gpu(x, start, T, H, N);
      const part = (from: number, to: number): Wkv7Inputs => ({
        r: rows(x.r, C, from, to),
        w: rows(x.w, C, from, to),
        k: rows(x.k, C, from, to),
        v: rows(x.v, C, from, to),
        kk: rows(x.kk, C, from, to),
        a: rows(x.a, C, from, to),
      });
      const first = await wkv7Gpu(part(0, cut), start, cut, H, N);
      const second = await wkv7Gpu(part(cut, T), first.state, T - cut, H, N);
      const label = `wkv7 T=${T} cut=${cut} H=${H} N=${N}`;
      assertAllClose([...first.y, ...second.y], whole.y, { atol: 0, label: `${label}: y` });
      assertAllClose(second.state, whole.state, { atol: 0, label: `${label}: state` });
    }),
    { numRuns: 10 },
  );
}, { skip });

// ---------------------------------------------------------------------------------------------

test("wkv5() and wkv7() on the GPU refuse head sizes above MAX_WKV_HEAD_SIZE", () => {
  const g = gpu!, S = MAX_WKV_HEAD_SIZE + 1, t = g.tensor(S * S);
  const message = (kernel: string) =>
    `Head size ${S} exceeds the ${MAX_WKV_HEAD_SIZE} of the WebGPU ${kernel} kernel; use --backend cpu`;
  assert.throws(() => wkv5(g, t, t, t, t, t, t, t, 1, 1, S), { message: message("wkv5") });
  assert.throws(() => wkv7(g, t, t, t, t, t, t, t, t, 1, 1, S), { message: message("wkv7") });
  assert.equal(wkvHeadSizeProblem("wkv5", MAX_WKV_HEAD_SIZE), null);
}, { skip });
