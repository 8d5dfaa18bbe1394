import assert from "node:assert/strict";
import { BlockInfluence } from "../importance/block_influence.ts";
import { RelativeMagnitude } from "../importance/relative_magnitude.ts";
import { AngularDistance } from "../importance/angular.ts";
import { observeWindows } from "../importance/mod.ts";
import { perplexity } from "../eval/perplexity.ts";
import { loadModel, openModel } from "../models/load.ts";
import { withoutLayers } from "../prune/remove_layers.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { streamLayers } from "./layer_stream.ts";

const TEXT = new TextEncoder().encode(
  "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day she saw a big red ball.",
);
const WINDOWS = [
  Int32Array.from(TEXT.slice(0, 48)),
  Int32Array.from(TEXT.slice(48, 96)),
  Int32Array.from(TEXT.slice(96)),
];

for (const name of ["bytellama-12L", "stories260K", "tiny-rwkv-7v0-834K", "tiny-rwkv-6v0-1m"]) {
  for (const budget of [Infinity, 0]) {
    const how = budget === 0 ? "spilling activations to disk" : "in memory";
    test(`streamLayers() gives the same BI, relmag, angular and perplexity as the whole model: ${name}, ${how}`, async () => {
      const windows = name === "stories260K" ? WINDOWS.map((w) => w.map((b) => b % 512)) : WINDOWS;
      const model = loadModel(modelDir(name));
      const L = model.blocks.length;
      const whole = [new BlockInfluence(L), new RelativeMagnitude(L), new AngularDistance(L, 2)];
      await observeWindows(model, windows, whole, "hf");
      const dense = await perplexity(model, windows);

      const { parts, close } = openModel(modelDir(name));
      const streamed = [new BlockInfluence(L), new RelativeMagnitude(L), new AngularDistance(L, 2)];
      const r = await streamLayers(parts, windows, streamed, { lastHidden: "hf", nll: true, activationBudget: budget });
      close();
      for (let m = 0; m < whole.length; m++) assert.deepEqual(streamed[m].finish(), whole[m].finish());
      assert.equal(Math.exp(r.nll / r.predicted), dense.ppl);
      assert.equal(r.spilled, budget === 0 && !name.startsWith("tiny-rwkv"));
    });
  }
}

test("streamLayers() with skipped layers equals the model with those layers removed", async () => {
  const model = loadModel(modelDir("bytellama-12L"));
  const expected = await perplexity(withoutLayers(model, [0, 5]), WINDOWS);
  const { parts, close } = openModel(modelDir("bytellama-12L"));
  const r = await streamLayers(parts, WINDOWS, [], { nll: true, skip: new Set([0, 5]) });
  close();
  assert.equal(Math.exp(r.nll / r.predicted), expected.ppl);
});
