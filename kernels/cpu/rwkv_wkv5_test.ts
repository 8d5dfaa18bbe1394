import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { wkv5, wkv5Naive, wkv6 } from "./rwkv_wkv5.ts";
import { randomArray } from "./_random.ts";

const shapes = fc.tuple(
  fc.integer({ min: 1, max: 7 }),
  fc.integer({ min: 1, max: 3 }),
  fc.integer({ min: 1, max: 5 }),
  fc.integer(),
);

test("wkv5() equals the unrolled form wkv5Naive() with the same decay at every token", () => {
  fc.assert(
    fc.property(shapes, ([T, H, S, seed]) => {
      const C = H * S;
      const [r, k, v] = [0, 1, 2].map((i) => randomArray(T * C, seed + i));
      const td = randomArray(C, seed + 3, 2), u = randomArray(C, seed + 4);
      const w = new Float64Array(T * C);
      for (let i = 0; i < T * C; i++) w[i] = Math.exp(-Math.exp(td[i % C]));
      const y = new Float32Array(T * C), ref = new Float32Array(T * C);
      wkv5(y, r, k, v, td, u, new Float64Array(H * S * S), T, H, S);
      wkv5Naive(ref, r, k, v, w, u, T, H, S);
      assertAllClose(y, ref, { atol: 1e-5, rtol: 1e-5, label: `wkv5 T=${T} H=${H} S=${S}` });
    }),
    { numRuns: 200 },
  );
});

test("wkv6() equals wkv5Naive() with a different decay at every token", () => {
  fc.assert(
    fc.property(shapes, ([T, H, S, seed]) => {
      const C = H * S;
      const [r, k, v] = [0, 1, 2].map((i) => randomArray(T * C, seed + i));
      const td = randomArray(C, seed + 3, 2), dw = randomArray(T * C, seed + 5, 1), u = randomArray(C, seed + 4);
      const w = new Float64Array(T * C);
      for (let i = 0; i < T * C; i++) w[i] = Math.exp(-Math.exp(td[i % C] + dw[i]));
      const y = new Float32Array(T * C), ref = new Float32Array(T * C);
      wkv6(y, r, k, v, td, dw, u, new Float64Array(H * S * S), T, H, S);
      wkv5Naive(ref, r, k, v, w, u, T, H, S);
      assertAllClose(y, ref, { atol: 1e-5, rtol: 1e-5, label: `wkv6 T=${T} H=${H} S=${S}` });
    }),
    { numRuns: 200 },
  );
});

test("wkv6() run in two parts with the state carried over equals one run", () => {
  fc.assert(
    fc.property(shapes.filter(([T]) => T >= 2), ([T, H, S, seed]) => {
      const C = H * S, cut = 1 + (Math.abs(seed) % (T - 1));
      const [r, k, v] = [0, 1, 2].map((i) => randomArray(T * C, seed + i));
      const td = randomArray(C, seed + 3), dw = randomArray(T * C, seed + 5), u = randomArray(C, seed + 4);
      const whole = new Float32Array(T * C), parts = new Float32Array(T * C);
      wkv6(whole, r, k, v, td, dw, u, new Float64Array(H * S * S), T, H, S);
      const s = new Float64Array(H * S * S);
      const part = (a: Float32Array, from: number, to: number) => a.subarray(from * C, to * C);
      wkv6(parts, part(r, 0, cut), part(k, 0, cut), part(v, 0, cut), td, part(dw, 0, cut), u, s, cut, H, S);
      const rest = new Float32Array((T - cut) * C);
      wkv6(rest, part(r, cut, T), part(k, cut, T), part(v, cut, T), td, part(dw, cut, T), u, s, T - cut, H, S);
      parts.set(rest, cut * C);
      assertAllClose(parts, whole, { atol: 0, label: `cut ${cut}` });
    }),
  );
});
