// The GPU RoPE against its CPU oracle rope() (kernels/cpu/rope.ts). Both form the angle, its
// cosine and sine in float64 (ropeTable); the shader then rounds c and s to f32 and computes
// x1·c − x2·s in f32 where the oracle rounds once: on values in [-1, 1] with scale ≤ 1.14 that is
// at most about 5 roundings of 2^-24 relative on |x1·c| + |x2·s| ≤ 1.14·√2, so atol 6e-7 at
// any position (the angle is no longer f32, so the error no longer grows with the position).
import fc from "fast-check";
import { test } from "../../src/testing/harness.ts";
import { assertAllClose } from "../../src/testing/assert.ts";
import { rope as ropeCpu, ropeInvFreq } from "../cpu/rope.ts";
import { randomArray } from "../cpu/_random.ts";
import { gpuForTests } from "./_testing.ts";
import { rope, ropeTable } from "./rope.ts";

const { gpu, skip } = await gpuForTests();

async function check(T: number, H: number, Hd: number, pos0: number, theta: number, seed: number, scale = 1) {
  const invFreq = ropeInvFreq(Hd, theta);
  const x = randomArray(T * H * Hd, seed);
  const expected = x.slice();
  ropeCpu(expected, T, H, Hd, pos0, invFreq, scale);
  const xg = gpu!.upload(x);
  rope(gpu!, xg, T, H, Hd, gpu!.upload(ropeTable(T, Hd, pos0, invFreq, scale)));
  const atol = 6e-7;
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

test("rope() on the GPU stays within 6e-7 of float64 at long-context positions", async () => {
  await check(4, 2, 128, 4092, 10000, 1); // Llama-2's last positions
  await check(2, 1, 64, 32766, 500000, 2);
  await check(1, 1, 8, 0, 10000, 3); // position 0: the identity
}, { skip });
