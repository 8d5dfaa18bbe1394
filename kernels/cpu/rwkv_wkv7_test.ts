import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { wkv7, wkv7Naive } from "./rwkv_wkv7.ts";
import { keys7 } from "./rwkv_v7.ts";
import { randomArray } from "./_random.ts";

/** Random inputs shaped like a real v7 call: w in (0.5, 1), a in (0, 1), κ̂ unit per head. */
function inputs(T: number, H: number, N: number, seed: number) {
  const C = H * N;
  const r = randomArray(T * C, seed), k = randomArray(T * C, seed + 1), v = randomArray(T * C, seed + 2);
  const w = randomArray(T * C, seed + 3).map((x) => 0.75 + 0.24 * x);
  const a = randomArray(T * C, seed + 4).map((x) => 0.5 + 0.49 * x);
  const kk = new Float32Array(T * C);
  keys7(kk, k, a, randomArray(C, seed + 5), randomArray(C, seed + 6), T, H, N);
  return { r, w, k, v, kk, a };
}

test("wkv7() equals wkv7Naive(), the explicit transition matrix G = diag(w) − κ̂(κ̂⊙a)ᵀ", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer(),
      (T, H, N, seed) => {
        const { r, w, k, v, kk, a } = inputs(T, H, N, seed);
        const y = new Float32Array(T * H * N), ref = new Float32Array(T * H * N);
        wkv7(y, r, w, k, v, kk, a, new Float64Array(H * N * N), T, H, N);
        wkv7Naive(ref, r, w, k, v, kk, a, T, H, N);
        assertAllClose(y, ref, { atol: 1e-5, rtol: 1e-5, label: `wkv7 T=${T} H=${H} N=${N}` });
      },
    ),
    { numRuns: 200 },
  );
});

test("wkv7() run in two parts with the state carried over equals one run", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 8 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer(),
      (T, H, N, seed) => {
        const C = H * N, cut = 1 + (Math.abs(seed) % (T - 1));
        const { r, w, k, v, kk, a } = inputs(T, H, N, seed);
        const whole = new Float32Array(T * C);
        wkv7(whole, r, w, k, v, kk, a, new Float64Array(H * N * N), T, H, N);
        const s = new Float64Array(H * N * N);
        const [x0, x1] = [[0, cut], [cut, T]].map(([from, to]) =>
          [r, w, k, v, kk, a].map((x) => x.subarray(from * C, to * C))
        );
        const y0 = new Float32Array(cut * C), y1 = new Float32Array((T - cut) * C);
        wkv7(y0, x0[0], x0[1], x0[2], x0[3], x0[4], x0[5], s, cut, H, N);
        wkv7(y1, x1[0], x1[1], x1[2], x1[3], x1[4], x1[5], s, T - cut, H, N);
        const parts = new Float32Array(T * C);
        parts.set(y0), parts.set(y1, cut * C);
        assertAllClose(parts, whole, { atol: 0, label: `cut ${cut}` });
      },
    ),
  );
});
