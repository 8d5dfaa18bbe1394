import assert from "node:assert/strict";
import { readRawConfig } from "../io/config_json.ts";
import { loadTokenizer } from "../io/tokenizer/mod.ts";
import { loadModel } from "../models/load.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { evaluateTask } from "./evaluate.ts";

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
  }
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
