import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../testing/harness.ts";
import { matmul } from "../../kernels/cpu/matmul.ts";
import { randomArray } from "../../kernels/cpu/_random.ts";
import { assertSameBits } from "../../kernels/cpu/_same_bits.ts";
import { randomLlama } from "../testing/shapes.ts";
import { forward } from "../models/forward.ts";
import {
  cpu,
  getMatmulKernel,
  getPrecision,
  getThreads,
  type MatmulKernel,
  type Precision,
  setMatmulKernel,
  setPrecision,
  setThreads,
} from "./cpu.ts";
import { matmulFast } from "../../kernels/cpu/matmul_fast.ts";
import { wasmSimdAvailable } from "../../kernels/cpu/matmul_wasm.ts";
import { attentionOnWorkers, matmulOnWorkers, PARALLEL_MIN_MACS, WASM_MIN_ROWS } from "./_cpu_pool.ts";
import { IDLE_MS } from "./_cpu_workers.ts";

/** Runs `fn` with `n` threads, then restores the thread count. */
async function withThreads<R>(n: number, fn: () => R | Promise<R>): Promise<R> {
  const before = getThreads();
  setThreads(n);
  try {
    return await fn();
  } finally {
    setThreads(before);
  }
}

/** Runs `fn` with matmul kernel `k`, then restores the default. */
async function withKernel<R>(k: MatmulKernel, fn: () => R | Promise<R>): Promise<R> {
  const before = getMatmulKernel();
  setMatmulKernel(k);
  try {
    return await fn();
  } finally {
    setMatmulKernel(before);
  }
}

/** Runs `fn` at precision `p`, then restores the one before. */
async function withPrecision<R>(p: Precision, fn: () => R | Promise<R>): Promise<R> {
  const before = getPrecision();
  setPrecision(p);
  try {
    return await fn();
  } finally {
    setPrecision(before);
  }
}

const noSimd = wasmSimdAvailable() ? undefined : "this runtime has no WebAssembly SIMD";

test(
  "fast precision: matmul on worker threads gives the same bits as matmulFast() on one, on random shapes",
  async () => {
    await withPrecision("fast", () =>
      withThreads(3, () =>
        fc.assert(
          fc.property(
            fc.integer({ min: 1, max: 23 }),
            fc.integer({ min: 1, max: 70 }),
            fc.integer({ min: 1, max: 150 }),
            fc.boolean(),
            fc.integer(),
            (T, K, N, withBias, seed) => {
              const x = randomArray(T * K, seed), w = cpu.upload(randomArray(N * K, seed + 1));
              const bias = withBias ? randomArray(N, seed + 2) : undefined;
              const one = new Float32Array(T * N), many = new Float32Array(T * N);
              matmulFast(one, x, w, T, K, N, bias);
              matmulOnWorkers(many, x, w, T, K, N, bias); // every chunk on a worker
              assertSameBits(many, one, `out[${T}x${N}] K=${K}`);
            },
          ),
          { numRuns: 40 },
        )));
  },
  { skip: noSimd },
);

test("fast precision: attention on worker threads gives the same bits as attentionFastHeads() on one", async () => {
  const { attentionFastHeads } = await import("../../kernels/cpu/attention_fast.ts");
  const { alibiSlopes } = await import("../../kernels/cpu/alibi.ts");
  await withPrecision("fast", () =>
    withThreads(2, () => {
      for (
        const [Tq, Tk, H, Hkv, Hd, window, alibi] of [[7, 7, 4, 2, 5, undefined, false], [
          3,
          11,
          6,
          3,
          8,
          4,
          true,
        ]] as const
      ) {
        const q = randomArray(Tq * H * Hd, Tq), k = randomArray(Tk * Hkv * Hd, Tk), v = randomArray(Tk * Hkv * Hd, H);
        const opts = { window, alibiSlopes: alibi ? alibiSlopes(H) : undefined };
        const one = new Float32Array(Tq * H * Hd), many = new Float32Array(Tq * H * Hd);
        attentionFastHeads(one, q, k, v, Tq, Tk, H, Hkv, Hd, 0, H, opts);
        attentionOnWorkers(many, q, k, v, Tq, Tk, H, Hkv, Hd, opts); // every head on a worker
        assertSameBits(many, one, `fast attention Tq=${Tq} Tk=${Tk} H=${H} Hkv=${Hkv}`);
      }
    }));
}, { skip: noSimd });

test("fast precision: alternating between two weights gives each one's bits, on 1 and 2 threads", async () => {
  const T = 37, K = 301, N = 517; // big enough to be split over threads
  const x = randomArray(T * K, 31), bias = randomArray(N, 34);
  const ws = [cpu.upload(randomArray(N * K, 32)), cpu.upload(randomArray(N * K, 33))];
  const want = ws.map((w) => {
    const out = new Float32Array(T * N);
    matmulFast(out, x, w, T, K, N, bias);
    return out;
  });
  for (const n of [1, 2]) {
    for (const i of [0, 1, 0]) {
      // each thread reloads x for a new job and copies the rows of this job's w
      const out = await withPrecision("fast", () => withThreads(n, () => cpu.linear(x, ws[i], T, K, N, bias)));
      assertSameBits(out, want[i], `weight ${i} on ${n} threads`);
    }
  }
}, { skip: noSimd });

test("fast precision: a forward pass gives the same bits on 1, 2 and 3 threads", async () => {
  const model = randomLlama("stories15m", 2); // every linear is split at T=64
  const ids = Int32Array.from({ length: 64 }, (_, i) => (i * 7919) % 32000);
  const run = async () => {
    const hidden: Float32Array[] = [];
    const { logits } = await forward(model, ids, { onHidden: (_i, x) => void hidden.push(x) });
    return { logits: logits!, hidden };
  };
  const one = await withPrecision("fast", () => withThreads(1, run));
  for (const n of [2, 3]) {
    const many = await withPrecision("fast", () => withThreads(n, run));
    assertSameBits(many.logits, one.logits, `logits on ${n} threads`);
    for (let i = 0; i < one.hidden.length; i++) assertSameBits(many.hidden[i], one.hidden[i], `X_${i} on ${n} threads`);
  }
  const exact = await withThreads(1, run);
  const diff = one.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - exact.logits[i])), 0);
  assert.ok(
    diff > 0 && diff < 1e-3,
    `fast logits differ from exact by ${diff}: float32 sums should move them a little`,
  );
}, { skip: noSimd });

for (const kernel of ["js", "wasm-simd"] as const) {
  test(`matmul on worker threads (${kernel} kernel) gives the same bits as matmul() on one, on random shapes`, async () => {
    await withKernel(kernel, () =>
      withThreads(3, () =>
        fc.assert(
          fc.property(
            fc.integer({ min: 1, max: 2 * WASM_MIN_ROWS + 3 }),
            fc.integer({ min: 1, max: 70 }),
            fc.integer({ min: 1, max: 150 }),
            fc.boolean(),
            fc.integer(),
            (T, K, N, withBias, seed) => {
              const x = randomArray(T * K, seed), w = cpu.upload(randomArray(N * K, seed + 1));
              const bias = withBias ? randomArray(N, seed + 2) : undefined;
              const one = new Float32Array(T * N), many = new Float32Array(T * N);
              matmul(one, x, w, T, K, N, bias);
              matmulOnWorkers(many, x, w, T, K, N, bias); // every chunk on a worker
              assertSameBits(many, one, `out[${T}x${N}] K=${K}`);
            },
          ),
          { numRuns: 40 },
        )));
  });
}

test("cpu.linear() splits a big matmul over threads and gives the same bits with either kernel", async () => {
  const T = 37, K = 301, N = 517; // not multiples of the 4×4 tile
  assert.ok(T * K * N >= PARALLEL_MIN_MACS, "the shape must be big enough to be split");
  const x = randomArray(T * K, 11), w = cpu.upload(randomArray(N * K, 12)), bias = cpu.upload(randomArray(N, 13));
  const one = await withKernel("js", () => withThreads(1, () => cpu.linear(x, w, T, K, N, bias)));
  for (const kernel of ["js", "wasm-simd"] as const) {
    for (const n of [1, 2, 3]) {
      const many = await withKernel(kernel, () => withThreads(n, () => cpu.linear(x, w, T, K, N, bias)));
      assertSameBits(many, one, `linear on ${n} threads, ${kernel} kernel`);
    }
  }
});

test("a forward pass on two threads (WebAssembly matmul) gives the same logits and hidden states, bit for bit, as on one (JavaScript matmul)", async () => {
  const model = randomLlama("stories15m", 2); // D=288, F=768, V=32000: every linear is split at T=64
  const ids = Int32Array.from({ length: 64 }, (_, i) => (i * 7919) % 32000);
  const run = async () => {
    const hidden: Float32Array[] = [];
    const { logits } = await forward(model, ids, { onHidden: (_i, x) => void hidden.push(x) });
    return { logits: logits!, hidden };
  };
  const one = await withKernel("js", () => withThreads(1, run));
  const two = await withKernel("wasm-simd", () => withThreads(2, run));
  assertSameBits(two.logits, one.logits, "logits");
  for (let i = 0; i < one.hidden.length; i++) assertSameBits(two.hidden[i], one.hidden[i], `X_${i}`);
});

test("cpu.upload() keeps the values and puts them in shared memory for the workers", () => {
  const data = randomArray(10, 5);
  const up = cpu.upload(data);
  assert.ok(up.buffer instanceof SharedArrayBuffer);
  assertSameBits(up, data, "uploaded");
  assert.equal(cpu.upload(up), up, "an array already shared is not copied again");
});

test("setThreads(), setMatmulKernel() and setPrecision() reject values they do not know", () => {
  assert.throws(() => setPrecision("half" as Precision), /Precision "half" is unknown; expected "exact" or "fast"/);
  assert.throws(() => setThreads(0), /Thread count 0 is invalid/);
  assert.throws(() => setThreads(1.5), /Thread count 1.5 is invalid/);
  assert.throws(() => setMatmulKernel("avx" as MatmulKernel), /Matmul kernel "avx" is unknown/);
});

test("attention on worker threads gives the same bits as attention() on one, with GQA, window and ALiBi", async () => {
  const { attention } = await import("../../kernels/cpu/attention.ts");
  const { alibiSlopes } = await import("../../kernels/cpu/alibi.ts");
  await withThreads(2, () => {
    for (
      const [Tq, Tk, H, Hkv, Hd, window, alibi] of [
        [7, 7, 4, 2, 5, undefined, false],
        [3, 11, 6, 3, 8, 4, true],
        [1, 9, 2, 1, 3, undefined, true],
        [13, 13, 5, 5, 7, 6, false],
      ] as const
    ) {
      const q = randomArray(Tq * H * Hd, Tq, 2),
        k = randomArray(Tk * Hkv * Hd, Tk, 2),
        v = randomArray(Tk * Hkv * Hd, H);
      const opts = { window, alibiSlopes: alibi ? alibiSlopes(H) : undefined };
      const one = new Float32Array(Tq * H * Hd), many = new Float32Array(Tq * H * Hd);
      attention(one, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
      attentionOnWorkers(many, q, k, v, Tq, Tk, H, Hkv, Hd, opts); // every head on a worker
      assertSameBits(many, one, `attention Tq=${Tq} Tk=${Tk} H=${H} Hkv=${Hkv} Hd=${Hd}`);
    }
  });
});

test("after a pause long enough for idle workers to close, the next matmul gets new ones and the same bits", async () => {
  const T = 20, K = 33, N = 45;
  const x = randomArray(T * K, 21), w = cpu.upload(randomArray(N * K, 22));
  const one = new Float32Array(T * N), many = new Float32Array(T * N);
  matmul(one, x, w, T, K, N);
  await withThreads(2, async () => {
    matmulOnWorkers(many, x, w, T, K, N);
    await new Promise((resolve) => setTimeout(resolve, 3 * IDLE_MS)); // the worker closes itself meanwhile
    many.fill(0);
    matmulOnWorkers(many, x, w, T, K, N); // every chunk on the (new) worker
  });
  assertSameBits(many, one, "out after the pause");
});
