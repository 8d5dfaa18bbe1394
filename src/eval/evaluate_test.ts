import assert from "node:assert/strict";
import { readRawConfig } from "../io/config_json.ts";
import { loadTokenizer } from "../io/tokenizer/mod.ts";
import { loadModel } from "../models/load.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { evaluateTask } from "./evaluate.ts";
import { DEVIATIONS, evaluateMultipleChoice } from "./multiple_choice.ts";
import { findTask } from "./tasks/mod.ts";

const load = (name: string) => {
  const dir = modelDir(name);
  return { model: loadModel(dir), tok: loadTokenizer(dir, readRawConfig(dir)) };
};

test("eval is reproducible: the same numbers twice (bytellama-12L on COPA)", async () => {
  const { model, tok } = load("bytellama-12L");
  const a = await evaluateTask(model, tok, "copa", "testdata/eval", { limit: 6 });
  const b = await evaluateTask(model, tok, "copa", "testdata/eval/copa", { limit: 6 });
  assert.deepEqual(a, b);
  assert.equal(a.n, 6);
  for (const s of a.items) {
    assert.equal(s.loglikelihoods.length, 2);
    assert.ok(s.loglikelihoods.every((ll) => Number.isFinite(ll) && ll < 0));
  }
});

test("evaluateTask() on every bundled fixture task runs and reports what eval --json promises", async () => {
  const { model, tok } = load("stories260K");
  for (
    const task of [
      "hellaswag",
      "piqa",
      "arc_easy",
      "arc_challenge",
      "boolq",
      "winogrande",
      "copa",
      "mmlu",
      "lambada",
      "blimp",
      "zorro",
      "mctest",
      "race",
      "race_all",
    ]
  ) {
    const r = await evaluateTask(model, tok, task, "testdata/eval", { limit: 1, shots: task === "mmlu" ? 1 : 0 });
    assert.equal(r.task, task);
    assert.equal(r.n, r.items.length);
    assert.ok(r.acc >= 0 && r.acc <= 1, `${task} acc ${r.acc}`);
    for (const [i, s] of r.items.entries()) {
      assert.equal(s.index, i);
      assert.equal(s.loglikelihoods.length, s.lengths.length);
      assert.ok(Number.isInteger(s.pred) && Number.isInteger(s.pred_norm));
    }
    if (task === "lambada") {
      assert.equal(r.acc_norm, null);
      assert.ok(r.ppl! > 1);
    } else assert.ok(r.acc_norm! >= 0 && r.acc_norm! <= 1);
    // stories260K has BOS and these items fit its context: only the task's own deviations
    assert.deepEqual(r.deviations, findTask(task).deviations, `${task} deviations`);
  }
});

test("deviations: an empty context on a byte model and a continuation longer than the context are listed", async () => {
  const { model, tok } = load("bytellama-12L"); // byte tokenizer (no BOS, no EOS), 256-token context
  const blimp = await evaluateTask(model, tok, "blimp", "testdata/eval", { limit: 1 });
  assert.deepEqual(blimp.items.map((s) => s.deviations), blimp.items.map(() => ["no_prefix_token"]));
  assert.deepEqual(blimp.deviations, [
    ...findTask("blimp").deviations,
    `${blimp.n} of ${blimp.n} items: ${DEVIATIONS.no_prefix_token}`,
  ]);

  const long = { context: "Once upon a time", choices: ["a".repeat(300), "b"], gold: 0 };
  const r = await evaluateMultipleChoice(model, tok, "demo", [long, { ...long, choices: ["c", "d"] }]);
  assert.deepEqual(r.items.map((s) => s.deviations), [["continuation_windowed"], undefined]);
  assert.deepEqual(r.deviations, [`1 of 2 items: ${DEVIATIONS.continuation_windowed}`]);
});

test("COPA as current lm-eval scores it: two leading spaces, lengths counting one (bytellama-12L, stories260K)", async () => {
  // The worked example of docs/evaluation.md, item 0 ("The man turned on the faucet therefore"),
  // and the accuracy on all 100 items. The log-likelihoods are an independent scorer's values
  // (written from lm-eval's task files), quoted to 4 decimals: tolerance 1e-3 abs.
  const byte = load("bytellama-12L");
  const r = await evaluateTask(byte.model, byte.tok, "copa", "testdata/eval/copa");
  assert.equal(r.n, 100);
  const [ll0, ll1] = r.items[0].loglikelihoods;
  assert.ok(Math.abs(ll0 - -60.8637) < 1e-3, `choice 0: ${ll0}, expected -60.8637`);
  assert.ok(Math.abs(ll1 - -49.2060) < 1e-3, `choice 1: ${ll1}, expected -49.2060`);
  assert.deepEqual(r.items[0].lengths, [30, 29]);
  assert.equal(r.acc, 0.6);
  const small = load("stories260K");
  assert.equal((await evaluateTask(small.model, small.tok, "copa", "testdata/eval/copa")).acc, 0.65);
});

test("evaluateTask() refuses bad --shots and --limit with messages that say what to do", async () => {
  const { model, tok } = load("stories260K");
  await assert.rejects(
    () => evaluateTask(model, tok, "copa", "testdata/eval", { shots: 2 }),
    /zero-shot here; leave out --shots/,
  );
  await assert.rejects(() => evaluateTask(model, tok, "mmlu", "testdata/eval", { shots: 6 }), /must be 0..5/);
  await assert.rejects(
    () => evaluateTask(model, tok, "copa", "testdata/eval", { limit: 0 }),
    /--limit must be 1 or more/,
  );
});
