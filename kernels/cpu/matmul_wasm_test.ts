import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { matmulNaive } from "./matmul.ts";
import { matmulWasm, WasmMatmul, wasmSimdAvailable } from "./matmul_wasm.ts";
import { randomArray } from "./_random.ts";
import { assertSameBits } from "./_same_bits.ts";

const skip = wasmSimdAvailable() ? undefined : "this runtime has no WebAssembly SIMD";

test("matmulWasm() equals matmulNaive() bit for bit on random shapes, with and without bias", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 19 }),
      fc.integer({ min: 1, max: 37 }),
      fc.integer({ min: 1, max: 23 }),
      fc.boolean(),
      fc.integer(),
      (T, K, N, withBias, seed) => {
        const x = randomArray(T * K, seed), w = randomArray(N * K, seed + 1);
        const bias = withBias ? randomArray(N, seed + 2) : undefined;
        const fast = new Float32Array(T * N), naive = new Float32Array(T * N);
        matmulWasm(fast, x, w, T, K, N, bias);
        matmulNaive(naive, x, w, T, K, N, bias);
        assertSameBits(fast, naive, `out[${T}x${N}] K=${K}`);
      },
    ),
    { numRuns: 300 },
  );
}, { skip });

test("WasmMatmul.columns() writes exactly columns n0..n1-1, for one load() and several ranges", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 13 }),
      fc.integer({ min: 1, max: 21 }),
      fc.integer({ min: 1, max: 40 }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
      fc.integer(),
      (T, K, N, ranges, seed) => {
        const x = randomArray(T * K, seed), w = randomArray(N * K, seed + 1), bias = randomArray(N, seed + 2);
        const naive = new Float32Array(T * N);
        matmulNaive(naive, x, w, T, K, N, bias);
        const mm = new WasmMatmul();
        mm.load(x, T, K, bias, N);
        for (const [a, b] of ranges) {
          const n0 = a % (N + 1), n1 = n0 + (b % (N - n0 + 1));
          const part = new Float32Array(T * N).fill(-7);
          mm.columns(part, w, N, n0, n1);
          const want = naive.map((v, i) => (i % N >= n0 && i % N < n1 ? v : -7));
          assertSameBits(part, want, `columns ${n0}..${n1 - 1} of N=${N}`);
        }
      },
    ),
    { numRuns: 200 },
  );
}, { skip });

test("matmulWasm() gives the same bits as matmulNaive() at a model's shape (T=64, K=288, N=100)", () => {
  const T = 64, K = 288, N = 100;
  const x = randomArray(T * K, 1), w = randomArray(N * K, 2), bias = randomArray(N, 3);
  const fast = new Float32Array(T * N), naive = new Float32Array(T * N);
  matmulWasm(fast, x, w, T, K, N, bias);
  matmulNaive(naive, x, w, T, K, N, bias);
  assertSameBits(fast, naive, "out");
}, { skip });
