// The sums path of BI and Relative Magnitude (Ops.changeSums: two numbers per block come back
// instead of the hidden states; the path a device backend takes) against the per-token path, on
// the CPU so that every runtime runs it. The WebGPU twin of these checks is in
// src/backend/webgpu_importance_test.ts.
// Tolerance: rtol 1e-6 on the scores: the sums are rounded once to float32 per window and block
// (6e-8 relative) before the float64 accumulation; the per-token path never rounds.
import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import type { Block, CausalLM } from "../models/model.ts";
import { loadModel, openModel } from "../models/load.ts";
import { streamLayers } from "../stream/layer_stream.ts";
import { assertAllClose } from "../testing/assert.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { BlockInfluence } from "./block_influence.ts";
import { observeWindows, useChangeSums } from "./mod.ts";
import { RelativeMagnitude } from "./relative_magnitude.ts";
import { AngularDistance } from "./angular.ts";

const TEXT = new TextEncoder().encode(
  "Once upon a time, there was a little girl named Lily. She loved to play outside.",
);
const WINDOWS = [Int32Array.from(TEXT.slice(0, 40)), Int32Array.from(TEXT.slice(40))];
const TOL = { atol: 1e-9, rtol: 1e-6 };

const metricsFor = (L: number) => [new BlockInfluence(L), new RelativeMagnitude(L)];

for (const name of ["bytellama-12L", "tiny-rwkv-6v0-1m"]) {
  for (const lastHidden of ["raw", "hf"] as const) {
    test(`BI and relmag from changeSums equal the per-token path: ${name}, last hidden ${lastHidden}`, async () => {
      const model = loadModel(modelDir(name));
      const L = model.blocks.length;
      const perToken = metricsFor(L), summed = metricsFor(L);
      await observeWindows(model, WINDOWS, perToken, lastHidden, undefined, false);
      await observeWindows(model, WINDOWS, summed, lastHidden, undefined, true);
      for (let j = 0; j < 2; j++) {
        assertAllClose(summed[j].finish(), perToken[j].finish(), { ...TOL, label: `${name} metric ${j}` });
      }

      const { parts, close } = openModel(modelDir(name));
      const streamed = metricsFor(L);
      try {
        await streamLayers(parts, WINDOWS, streamed, { lastHidden, sums: true });
      } finally {
        close();
      }
      for (let j = 0; j < 2; j++) {
        assertAllClose(streamed[j].finish(), perToken[j].finish(), { ...TOL, label: `${name} streamed metric ${j}` });
      }
    });
  }
}

test("the sums path is taken on device backends only, and only when every metric takes sums", () => {
  const bi = [new BlockInfluence(2)], mixed = [new BlockInfluence(2), new AngularDistance(2, 1)];
  assert.equal(useChangeSums("cpu", bi), false);
  assert.equal(useChangeSums("webgpu", bi), true);
  assert.equal(useChangeSums("webgpu", mixed), false);
  assert.equal(useChangeSums("cpu", bi, true), true);
  assert.equal(useChangeSums("webgpu", mixed, true), false);
  assert.equal(useChangeSums("webgpu", []), false);
});

test("an overflowing block is named from its sums", async () => {
  const model: CausalLM<Float32Array> = loadModel(modelDir("stories260K"));
  const overflow: Block<Float32Array> = { originalIndex: 7, forward: (x) => x.map(() => Infinity) };
  model.blocks.splice(2, 0, overflow);
  const ids = [Int32Array.from([1, 403, 407, 261])];
  await assert.rejects(
    observeWindows(model, ids, [new BlockInfluence(model.blocks.length)], "raw", undefined, true),
    (e: unknown) => e instanceof UserError && /layer 7 holds NaN or Inf/.test(e.message),
  );
});
