import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { bonus7, decay7, keys7, sigmoidOfSum, valueResidual7 } from "./rwkv_v7.ts";
import { mulInPlace, reluSquaredInPlace, sigmoidInPlace, siluInPlace, tanhInPlace } from "./rwkv_activations.ts";
import { randomArray } from "./_random.ts";

test("keys7() makes κ̂ unit length per head and scales k by 1 + (a − 1)·k_a", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer(),
      (T, H, N, seed) => {
        const C = H * N;
        const k = randomArray(T * C, seed, 2), a = randomArray(T * C, seed + 1).map((x) => 0.5 + 0.5 * x);
        const k_k = randomArray(C, seed + 2), k_a = randomArray(C, seed + 3);
        const k0 = k.slice(), kk = new Float32Array(T * C);
        keys7(kk, k, a, k_k, k_a, T, H, N);
        for (let t = 0; t < T; t++) {
          for (let h = 0; h < H; h++) {
            let n2 = 0;
            for (let j = 0; j < N; j++) n2 += kk[t * C + h * N + j] ** 2;
            assert.ok(Math.abs(n2 - 1) < 1e-5, `|κ̂[${t},${h}]|² = ${n2}`);
          }
        }
        assertAllClose(k, k0.map((x, i) => x * (1 + (a[i] - 1) * k_a[i % C])), { atol: 1e-6, label: "k" });
      },
    ),
  );
});

test("decay7() lies in (exp(−e^{−1/2}), 1) and equals exp(−e^{−1/2}/2) at w0 + dw = 0", () => {
  const dw = new Float32Array([-50, 0, 50]), w = new Float32Array(3);
  decay7(w, new Float32Array([0]), dw.subarray(0, 1), 1, 1);
  decay7(w.subarray(1), new Float32Array([0]), dw.subarray(1, 2), 1, 1);
  decay7(w.subarray(2), new Float32Array([0]), dw.subarray(2, 3), 1, 1);
  assertAllClose(w, [1, Math.exp(-Math.exp(-0.5) / 2), Math.exp(-Math.exp(-0.5))], { atol: 1e-7 });
});

test("sigmoidOfSum(), valueResidual7() and bonus7() follow their formulas", () => {
  const g = new Float32Array(2);
  sigmoidOfSum(g, new Float32Array([1, -1]), new Float32Array([-1, 1]), 1, 2);
  assert.deepEqual([...g], [0.5, 0.5]);
  const v = new Float32Array([2, 4]);
  valueResidual7(v, new Float32Array([0, 0]), new Float32Array([1, 0.5]), 2);
  assert.deepEqual([...v], [0, 2]);
  const y = new Float32Array([1, 1, 1, 1]); // T = 1, H = 2, N = 2
  bonus7(
    y,
    new Float32Array([1, 2, 3, 4]),
    new Float32Array([1, 1, 1, 1]),
    new Float32Array([1, 10, 100, 1000]),
    new Float32Array([1, 1, 0, 1]),
    1,
    2,
    2,
  );
  // head 0: Σ r·k·r_k = 3 → y += 3·[1, 10]; head 1: 0 + 4 = 4 → y += 4·[100, 1000]
  assert.deepEqual([...y], [4, 31, 401, 4001]);
});

test("the elementwise activations: σ, tanh, silu, relu², product", () => {
  const x = new Float32Array([-1, 0, 2]);
  const s = x.slice(), t = x.slice(), si = x.slice(), r = x.slice(), m = x.slice();
  sigmoidInPlace(s), tanhInPlace(t), siluInPlace(si), reluSquaredInPlace(r), mulInPlace(m, x);
  const sig = (z: number) => 1 / (1 + Math.exp(-z));
  assertAllClose(s, [-1, 0, 2].map(sig), { atol: 1e-7 });
  assertAllClose(t, [-1, 0, 2].map(Math.tanh), { atol: 1e-7 });
  assertAllClose(si, [-1, 0, 2].map((z) => z * sig(z)), { atol: 1e-7 });
  assert.deepEqual([...r], [0, 0, 4]);
  assert.deepEqual([...m], [1, 0, 4]);
});
