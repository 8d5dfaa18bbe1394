import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { lazyUpdate, lazyUpdateWasm } from "./gptq_update_wasm.ts";
import { randomArray } from "./_random.ts";

/** The update as GPTQ's text writes it, one element at a time: W[n,j] −= Σ_i err[n,i] Hinv[i1+i, j]. */
function lazyUpdateNaive(
  W: Float64Array,
  err: Float64Array,
  stride: number,
  Hinv: Float64Array,
  N: number,
  K: number,
  i1: number,
  count: number,
  j0: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let j = j0; j < K; j++) {
      let s = 0;
      for (let i = 0; i < count; i++) s += err[n * stride + i] * Hinv[(i1 + i) * K + j];
      W[n * K + j] -= s;
    }
  }
}

const fast = lazyUpdateWasm();

test("lazyUpdate() and lazyUpdateWasm() give the bits of the one-element-at-a-time update", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 7 }),
      fc.integer({ min: 1, max: 600 }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 0, max: 1000 }),
      (N, K, count, seed) => {
        const i1 = seed % Math.max(1, K - count + 1), c = Math.min(count, K - i1), j0 = Math.min(K, i1 + c);
        const stride = c + (seed % 3), err = randomArray(N * stride, seed), Hinv = randomArray(K * K, seed + 1);
        const w = randomArray(N * K, seed + 2);
        const want = Float64Array.from(w), js = Float64Array.from(w), wasm = Float64Array.from(w);
        const args = [Float64Array.from(err), stride, Float64Array.from(Hinv), N, K, i1, c, j0] as const;
        lazyUpdateNaive(want, ...args);
        lazyUpdate(js, ...args);
        fast!(wasm, ...args);
        for (let i = 0; i < N * K; i++) {
          assert.ok(Object.is(js[i], want[i]), `JS W[${i}] ${js[i]} vs ${want[i]}`);
          assert.ok(Object.is(wasm[i], want[i]), `WASM W[${i}] ${wasm[i]} vs ${want[i]}`);
        }
      },
    ),
    { numRuns: 80 },
  );
}, fast ? {} : { skip: "this runtime has no WebAssembly SIMD" });
