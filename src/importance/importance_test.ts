import assert from "node:assert/strict";
import type { Block, CausalLM } from "../models/model.ts";
import { forward } from "../models/forward.ts";
import { loadModel, openModel } from "../models/load.ts";
import { UserError } from "../errors.ts";
import { streamLayers, streamRunner } from "../stream/layer_stream.ts";
import { assertAllClose } from "../testing/assert.ts";
import { llamaGolden, modelDir } from "../testing/golden.ts";
import { perplexity } from "../eval/perplexity.ts";
import { test } from "../testing/harness.ts";
import { withoutLayers } from "../prune/remove_layers.ts";
import { computeImportance, modelRunner, parseMetric, removalOrder } from "./mod.ts";

/** A block that maps x to `scale · x`. */
const scaling = (scale: number): Block<Float32Array> => ({
  originalIndex: -1,
  forward: (x) => x.map((v) => v * scale),
});

/** stories260K with extra blocks inserted after its first layer. */
function withBlocks(...extra: Block<Float32Array>[]): CausalLM<Float32Array> {
  const m = loadModel(modelDir("stories260K"));
  m.blocks.splice(1, 0, ...extra);
  return m;
}

const WINDOWS = [Int32Array.from([1, 403, 407, 261, 378, 432]), Int32Array.from([1, 298, 315, 421])];

test("an identity block has BI 0 and a negating block has BI 2", async () => {
  const model = withBlocks(scaling(1), scaling(-1), scaling(3));
  const { scores } = await computeImportance(model, WINDOWS, parseMetric("bi"));
  assert.ok(Math.abs(scores[1]) < 1e-12, `identity BI ${scores[1]}`);
  assert.ok(Math.abs(scores[2] - 2) < 1e-12, `negation BI ${scores[2]}`);
  assert.ok(Math.abs(scores[3]) < 1e-12, `positive scaling BI ${scores[3]}`);
});

test("BI with reduce=sum is the mean times the number of tokens", async () => {
  const model = loadModel(modelDir("stories260K"));
  const mean = await computeImportance(model, WINDOWS, parseMetric("bi"), { reduce: "mean" });
  const sum = await computeImportance(model, WINDOWS, parseMetric("bi"), { reduce: "sum" });
  assertAllClose(sum.scores, mean.scores.map((s) => s * 10), { atol: 1e-12, label: "sum vs 10·mean" });
  assert.equal(mean.tokens, 10);
});

test("BI with last-hidden=hf differs from raw only in the last layer", async () => {
  const model = loadModel(modelDir("stories260K"));
  const raw = await computeImportance(model, WINDOWS, parseMetric("bi"), { lastHidden: "raw" });
  const hf = await computeImportance(model, WINDOWS, parseMetric("bi"), { lastHidden: "hf" });
  const L = model.blocks.length;
  assert.deepEqual(hf.scores.slice(0, L - 1), raw.scores.slice(0, L - 1));
  assert.notEqual(hf.scores[L - 1], raw.scores[L - 1]);
});

test("relative magnitude is 0 for an identity block and 2/3 for x -> 3x", async () => {
  const model = withBlocks(scaling(1), scaling(3));
  const { scores } = await computeImportance(model, WINDOWS, parseMetric("relmag"));
  assert.ok(Math.abs(scores[1]) < 1e-12);
  assert.ok(Math.abs(scores[2] - 2 / 3) < 1e-6, `relmag ${scores[2]}`);
});

test("angular:n is 0 over identity blocks and 1 over a negation", async () => {
  const model = withBlocks(scaling(1), scaling(1), scaling(-1));
  const a2 = await computeImportance(model, WINDOWS, parseMetric("angular:2"));
  assert.equal(a2.scores.length, model.blocks.length - 1);
  assert.ok(Math.abs(a2.scores[1]) < 1e-6, `two identities: ${a2.scores[1]}`);
  assert.ok(Math.abs(a2.scores[2] - 1) < 1e-6, `identity then negation: ${a2.scores[2]}`);
});

test("sequential removes layer 0 first; reverse removes the last layer first", async () => {
  const model = loadModel(modelDir("stories260K"));
  assert.deepEqual((await computeImportance(model, WINDOWS, parseMetric("sequential"))).order, [0, 1, 2, 3, 4]);
  assert.deepEqual((await computeImportance(model, WINDOWS, parseMetric("reverse"))).order, [4, 3, 2, 1, 0]);
});

test("removalOrder() sorts by ascending score with ties to the lower index", () => {
  assert.deepEqual(removalOrder([0.3, 0.1, 0.3, 0.1]), [1, 3, 0, 2]);
});

test("the ppl metric is the perplexity with that layer removed; removing an identity block gives the base perplexity", async () => {
  const model = withBlocks(scaling(1));
  const { scores } = await computeImportance(model, WINDOWS, parseMetric("ppl"));
  const basePpl = (await perplexity(loadModel(modelDir("stories260K")), WINDOWS)).ppl;
  assert.equal(scores.length, 6);
  assert.ok(Math.abs(scores[1] - basePpl) < 1e-9, `${scores[1]} vs ${basePpl}`);
});

test("BI of bytellama-12L from our forward equals BI computed from the golden hidden states", async () => {
  const model = loadModel(modelDir("bytellama-12L"));
  for (const seq of llamaGolden("bytellama-12L")) {
    const ours = await computeImportance(model, [Int32Array.from(seq.ids)], parseMetric("bi"));
    const L = model.blocks.length, T = seq.T, D = model.info.hiddenSize;
    const h = seq.hiddenRaw;
    const expected = Array.from({ length: L }, (_, i) => {
      let s = 0;
      for (let t = 0; t < T; t++) {
        const a = h.subarray((i * T + t) * D, (i * T + t + 1) * D),
          b = h.subarray(((i + 1) * T + t) * D, ((i + 1) * T + t + 1) * D);
        const dot = a.reduce((acc, v, d) => acc + v * b[d], 0);
        const na = Math.hypot(...a), nb = Math.hypot(...b);
        s += 1 - dot / (na * nb);
      }
      return s / T;
    });
    assertAllClose(ours.scores, expected, { atol: 1e-5, label: `BI ${seq.name}` });
  }
});

test("perplexity() reproduces the golden manifests' perplexity of every sequence", async () => {
  for (const name of ["stories260K", "babyllama105", "bytellama-12L"]) {
    const model = loadModel(modelDir(name));
    for (const seq of llamaGolden(name)) {
      const r = await perplexity(model, [Int32Array.from(seq.ids)]);
      // Manifests give ppl (and some mean_nll); compare the mean NLL, log(ppl), to 1e-5.
      const expected = Math.log(seq.ppl);
      assert.ok(Math.abs(r.nll_mean - expected) < 1e-5, `${name}/${seq.name}: nll ${r.nll_mean} vs ${expected}`);
      assert.equal(r.tokens, seq.T - 1);
    }
  }
});

test("withoutLayers() gives the same logits as skipping those blocks by hand", async () => {
  const model = loadModel(modelDir("stories260K"));
  const ids = WINDOWS[0];
  const pruned = await forward(withoutLayers(model, [1, 3]), ids);
  const skipped = { ...model, blocks: [model.blocks[0], model.blocks[2], model.blocks[4]] } as CausalLM<Float32Array>;
  const byHand = (() => {
    let x = model.embed(ids);
    for (const b of skipped.blocks) x = b.forward(x, ids.length, { pos0: 0, state: new Map() }, false);
    return model.head(model.finalNorm(x, ids.length), ids.length);
  })();
  assertAllClose(pruned.logits!, byHand, { atol: 0, label: "logits" });
});

test("unknown metrics and bad angular spans are user errors", async () => {
  assert.throws(() => parseMetric("cosine"), /Unknown metric "cosine"/);
  const model = loadModel(modelDir("stories260K"));
  await assert.rejects(() => computeImportance(model, WINDOWS, parseMetric("angular:9")), /needs 1 <= n <= 5/);
});

test("every window's ids are checked before the first window runs: a bad id in the last one stops all work", async () => {
  let ran = 0;
  const counting: Block<Float32Array> = { originalIndex: -1, forward: (x) => (ran++, x) };
  const model = withBlocks(counting);
  const windows = [...WINDOWS, Int32Array.from([1, model.info.vocabSize])];
  const badId = (e: unknown) => e instanceof UserError && /Token id \d+ at position 1 is out of range/.test(e.message);
  assert.throws(() => modelRunner(model, windows), badId, "a runner checks when it is made");
  await assert.rejects(computeImportance(model, windows, parseMetric("bi")), badId);
  await assert.rejects(computeImportance(model, windows, parseMetric("ppl")), badId);
  await assert.rejects(perplexity(model, windows), badId);
  assert.equal(ran, 0, "no window ran");
  const { parts, close } = openModel(modelDir("stories260K"));
  try {
    let loaded = 0;
    const counted = { ...parts, loadBlock: (i: number) => (loaded++, parts.loadBlock(i)) };
    assert.throws(() => streamRunner(counted, windows), badId, "a streaming runner checks when it is made");
    await assert.rejects(streamLayers(counted, windows, []), badId);
    assert.equal(loaded, 0, "no block was read");
  } finally {
    close();
  }
});
