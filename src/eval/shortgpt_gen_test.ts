import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import { forward } from "../models/forward.ts";
import type { LlamaBlock } from "../models/llama/model.ts";
import { loadModel } from "../models/load.ts";
import { newRun } from "../models/model.ts";
import { withoutLayers } from "../prune/remove_layers.ts";
import { assertAllClose } from "../testing/assert.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { generate } from "./generate.ts";
import { fillCache, prefillSkipping } from "./shortgpt_gen.ts";

const bytes = (s: string) => Array.from(new TextEncoder().encode(s));
const PROMPT = bytes("Once upon a time, there was a little dog.");

interface Cache {
  k: Float32Array;
  v: Float32Array;
  Tk: number;
}

test("fillCache() leaves the cache LlamaBlock.forward leaves (same layout, RoPE at the right positions)", async () => {
  const model = loadModel(modelDir("bytellama-12L"));
  const l = 3;
  const block = model.blocks[l] as LlamaBlock<Float32Array>;
  const xs: Float32Array[] = [];
  const ids = Int32Array.from(PROMPT);
  await forward(model, ids, { onHidden: (i, x) => void (i === l && xs.push(x)), hiddenOnly: true });
  const x = xs[0]; // X_3 [T,D]
  const T = ids.length, D = model.info.hiddenSize;
  // two calls, the second from position 20: the concatenation and the RoPE offset
  const viaBlock = newRun<Float32Array>(), viaFill = newRun<Float32Array>();
  for (const [a, b] of [[0, 20], [20, T]]) {
    const part = x.slice(a * D, b * D);
    block.forward(part, b - a, viaBlock, true);
    fillCache(block, part, b - a, viaFill, "rope");
    viaBlock.pos0 = viaFill.pos0 = b;
  }
  const want = viaBlock.state.get(block) as Cache, got = viaFill.state.get(block) as Cache;
  assert.equal(got.Tk, T);
  assert.equal(want.Tk, T);
  assertAllClose(got.k, want.k, { atol: 0, label: "k" });
  assertAllClose(got.v, want.v, { atol: 0, label: "v" });
});

test("with no layer skipped, the ShortGPT-gen prefill is the dense prefill", async () => {
  const model = loadModel(modelDir("bytellama-12L"));
  const dense = await generate(model, PROMPT, { maxTokens: 12 });
  const gen = await generate(model, PROMPT, {
    maxTokens: 12,
    prefill: (ids, run) => prefillSkipping(model, ids, run, []),
  });
  assert.deepEqual(gen.ids, dense.ids);
});

test("a skipped layer leaves the prefill's hidden states as the pruned model's, and its cache filled", async () => {
  const model = loadModel(modelDir("bytellama-12L"));
  const skip = [4, 3];
  const ids = Int32Array.from(PROMPT);
  const run = newRun<Float32Array>();
  const last = await prefillSkipping(model, ids, run, skip);
  const { last: pruned } = await forward(withoutLayers(model, skip), ids, { hiddenOnly: true });
  assertAllClose(last, pruned, { atol: 0, label: "X_L" });
  assert.equal(run.pos0, ids.length);
  for (const b of model.blocks) {
    assert.equal((run.state.get(b) as Cache).Tk, ids.length, "every layer has a full cache");
  }
});

test("keys rope vs norope: equal at position 0 (no rotation there), different after; values equal", async () => {
  const model = loadModel(modelDir("bytellama-12L"));
  const ids = Int32Array.from(PROMPT);
  const [a, b] = [newRun<Float32Array>(), newRun<Float32Array>()];
  await prefillSkipping(model, ids, a, [4], "rope");
  await prefillSkipping(model, ids, b, [4], "norope");
  const ka = a.state.get(model.blocks[4]) as Cache, kb = b.state.get(model.blocks[4]) as Cache;
  const C = ka.k.length / ids.length;
  assertAllClose(ka.k.subarray(0, C), kb.k.subarray(0, C), { atol: 0, label: "k at position 0" });
  assert.ok(ka.k.subarray(C).some((v, i) => v !== kb.k[C + i]), "rotated keys differ after position 0");
  assertAllClose(ka.v, kb.v, { atol: 0, label: "v" });
  // the other layers' caches do not depend on the choice
  assertAllClose((a.state.get(model.blocks[5]) as Cache).k, (b.state.get(model.blocks[5]) as Cache).k, {
    atol: 0,
    label: "k of layer 5",
  });
});

test("ShortGPT-gen refuses RWKV (no key/value cache) and bad layer lists", async () => {
  const rwkv = loadModel(modelDir("tiny-rwkv-5v2-730K"));
  await assert.rejects(() => prefillSkipping(rwkv, Int32Array.from([72, 105]), newRun(), [2]), /Llama-family/);
  const llama = loadModel(modelDir("stories260K"));
  await assert.rejects(() => prefillSkipping(llama, Int32Array.from([1, 403]), newRun(), [5]), UserError);
  await assert.rejects(() => prefillSkipping(llama, Int32Array.from([1, 403]), newRun(), [2, 2]), /listed twice/);
});
