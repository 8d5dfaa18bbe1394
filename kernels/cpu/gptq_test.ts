import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import {
  dequantizeGptqNaive,
  dequantizeGptqRows,
  type GptqLinear,
  gptqLinear,
  gptqLinearNaive,
  packCodes,
  packedWords,
  unpackCode,
} from "./gptq.ts";
import { randomArray } from "./_random.ts";
import { assertSameBits } from "./_same_bits.ts";

/** Random integers in [0, limit) from a seed. */
function randomInts(n: number, seed: number, limit: number): Int32Array {
  return Int32Array.from(randomArray(n, seed), (v) => Math.min(limit - 1, Math.floor((v + 1) / 2 * limit)));
}

/** A random packed linear with codes and zero points of every value, act-order g_idx when `permuted`. */
function randomGptq(bits: number, K: number, N: number, groupSize: number, permuted: boolean, seed: number) {
  const G = Math.ceil(K / groupSize);
  const codes = randomInts(K * N, seed, 1 << bits); // [K, N]
  const zeros = randomInts(G * N, seed + 1, 1 << bits); // [G, N]
  const g_idx = Int32Array.from({ length: K }, (_, k) => Math.floor(k / groupSize));
  if (permuted) {
    const order = randomArray(K, seed + 2);
    const perm = Array.from({ length: K }, (_, k) => k).sort((a, b) => order[a] - order[b]);
    const shuffled = perm.map((k) => g_idx[k]);
    g_idx.set(shuffled);
  }
  const qweight = new Int32Array(packedWords(K, bits) * N);
  for (let n = 0; n < N; n++) packCodes(qweight, n, N, Array.from({ length: K }, (_, k) => codes[k * N + n]), bits);
  const zWords = packedWords(N, bits);
  const qzeros = new Int32Array(G * zWords);
  for (let g = 0; g < G; g++) packCodes(qzeros, g * zWords, 1, zeros.subarray(g * N, (g + 1) * N), bits);
  const scales = randomArray(G * N, seed + 3, 0.1);
  const p: GptqLinear = { bits, K, N, G, qweight, qzeros, scales, g_idx, zeroOffset: 0 };
  return { p, codes, zeros };
}

const shapes = fc.record({
  bits: fc.constantFrom(2, 3, 4, 8),
  T: fc.integer({ min: 1, max: 5 }),
  K: fc.integer({ min: 1, max: 70 }),
  N: fc.integer({ min: 1, max: 140 }),
  groupSize: fc.integer({ min: 1, max: 80 }),
  permuted: fc.boolean(),
  withBias: fc.boolean(),
  seed: fc.integer(),
});

test("unpackCode() reads back every code packCodes() wrote, for 2, 3, 4 and 8 bits and any count", () => {
  fc.assert(
    fc.property(fc.constantFrom(2, 3, 4, 8), fc.integer({ min: 1, max: 100 }), fc.integer(), (bits, count, seed) => {
      const codes = randomInts(count, seed, 1 << bits);
      const words = new Int32Array(packedWords(count, bits));
      packCodes(words, 0, 1, codes, bits);
      for (let j = 0; j < count; j++) assert.equal(unpackCode(words, 0, 1, j, bits), codes[j], `code ${j} of ${bits}`);
    }),
    { numRuns: 200 },
  );
});

test("3-bit codes 10 and 21 straddle two words as AutoGPTQ packs them", () => {
  const codes = new Int32Array(32).fill(0);
  codes[10] = 0b111;
  codes[21] = 0b101;
  const words = new Int32Array(3);
  packCodes(words, 0, 1, codes, 3);
  // code 10: bits 30..32 -> two low bits at the top of word 0, its high bit at bit 0 of word 1
  assert.equal(words[0] >>> 0, 0b11 << 30 >>> 0);
  // code 21: bits 63..65 -> its low bit at bit 31 of word 1, its two high bits at bits 0..1 of word 2
  assert.equal(words[1] >>> 0, (1 | (1 << 31)) >>> 0);
  assert.equal(words[2], 0b10);
  assert.equal(unpackCode(words, 0, 1, 10, 3), 0b111);
  assert.equal(unpackCode(words, 0, 1, 21, 3), 0b101);
});

test("dequantizeGptqNaive() gives scales[g,n] · (code − zero) with g = g_idx[k] and the zero offset added", () => {
  fc.assert(
    fc.property(shapes, fc.constantFrom(0, 1), ({ bits, K, N, groupSize, permuted, seed }, zeroOffset) => {
      const { p, codes, zeros } = randomGptq(bits, K, N, groupSize, permuted, seed);
      p.zeroOffset = zeroOffset;
      const w = dequantizeGptqNaive(p);
      for (let n = 0; n < N; n++) {
        for (let k = 0; k < K; k++) {
          const g = p.g_idx[k];
          const want = Math.fround(p.scales[g * N + n] * (codes[k * N + n] - zeros[g * N + n] - zeroOffset));
          if (w[n * K + k] !== want) assert.fail(`W[${n},${k}] (${bits} bits): expected ${want}, got ${w[n * K + k]}`);
        }
      }
    }),
    { numRuns: 100 },
  );
});

test("dequantizeGptqRows() equals the bit-by-bit dequantization for any row range", () => {
  fc.assert(
    fc.property(shapes, fc.nat(), fc.nat(), ({ bits, K, N, groupSize, permuted, seed }, a, b) => {
      const { p } = randomGptq(bits, K, N, groupSize, permuted, seed);
      const n0 = a % N, n1 = n0 + 1 + (b % (N - n0));
      const rows = new Float32Array((n1 - n0) * K);
      dequantizeGptqRows(rows, p, n0, n1);
      assertSameBits(rows, dequantizeGptqNaive(p).subarray(n0 * K, n1 * K), `W[${n0}..${n1}] ${bits} bits`);
    }),
    { numRuns: 100 },
  );
});

test("gptqLinear() equals dequantize-then-matmul bit for bit: every bit width, odd shapes, act-order", () => {
  fc.assert(
    fc.property(shapes, ({ bits, T, K, N, groupSize, permuted, withBias, seed }) => {
      const { p } = randomGptq(bits, K, N, groupSize, permuted, seed);
      p.zeroOffset = seed & 1;
      const x = randomArray(T * K, seed + 5);
      const bias = withBias ? randomArray(N, seed + 6) : undefined;
      const fast = new Float32Array(T * N), naive = new Float32Array(T * N);
      gptqLinear(fast, x, p, T, bias);
      gptqLinearNaive(naive, x, p, T, bias);
      assertSameBits(fast, naive, `out[${T}x${N}] K=${K} bits=${bits} group=${groupSize}`);
    }),
    { numRuns: 150 },
  );
});
