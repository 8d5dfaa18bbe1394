// The GPU RoPE against its CPU oracle rope() (kernels/cpu/rope.ts). The shader forms the angle
// as f32(pos) · f32(invFreq) where the oracle uses float64, so the error grows with the
// position: tolerance atol 2e-6 + 1.2e-7 · (largest position) on values in [-1, 1]
// (invFreq rounded to f32, then the product rounded: two roundings of 2^-24 ≈ 6e-8 relative).
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { rope as ropeCpu, ropeInvFreq } from "../cpu/rope.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests } from "./_testing.ts";
import { rope } from "./rope.ts";

const { gpu, skip } = await gpuForTests();

async function check(T: number, H: number, Hd: number, pos0: number, theta: number, seed: number, scale = 1) {
  const invFreq = ropeInvFreq(Hd, theta);
  const x = randomArray(T * H * Hd, seed);
  const expected = x.slice();
  ropeCpu(expected, T, H, Hd, pos0, invFreq, scale);
  const xg = gpu!.upload(x);
  rope(gpu!, xg, T, H, Hd, pos0, gpu!.upload(Float32Array.from(invFreq)), scale);
  const atol = 2e-6 + 1.2e-7 * (pos0 + T);
  assertAllClose(await gpu!.read(xg), expected, { atol, label: `rope T=${T} H=${H} Hd=${Hd} pos0=${pos0}` });
}

test("rope() on the GPU matches the CPU rope() on random shapes and positions", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 40 }).map((n) => 2 * n),
      fc.integer({ min: 0, max: 3000 }),
      fc.constantFrom(10000, 500000),
      fc.integer(),
      fc.constantFrom(1, 1.1386), // YaRN's attention factor at factor 4
      check,
    ),
    { numRuns: 25 },
  );
}, { skip });

test("rope() on the GPU stays within 1.2e-7 · position of float64 at long-context positions", async () => {
  await check(4, 2, 128, 4092, 10000, 1); // Llama-2's last positions
  await check(2, 1, 64, 32766, 500000, 2);
  await check(1, 1, 8, 0, 10000, 3); // position 0: the identity
}, { skip });
