import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../cli.ts";
import { UserError } from "../errors.ts";
import { perplexity } from "../eval/perplexity.ts";
import { loadModel } from "../models/load.ts";
import { withoutLayers } from "../prune/remove_layers.ts";
import { modelDir } from "../testing/golden.ts";
import { countingIdChecks } from "../testing/id_checks.ts";
import { test } from "../testing/harness.ts";
import { sweep } from "./sweep.ts";

const WINDOWS = [Int32Array.from(new TextEncoder().encode("Once upon a time, there was a little girl named Lily."))];

test("sweep() curves start at the dense perplexity and follow each metric's removal order", async () => {
  const model = loadModel(modelDir("bytellama-12L"));
  const r = await sweep(model, WINDOWS, ["bi", "reverse"], {
    maxRemove: 3,
    accuracy: (m) => Promise.resolve(m.blocks.length), // a stand-in "accuracy": the depth left
  });
  const dense = (await perplexity(model, WINDOWS)).ppl;
  assert.equal(r.dense_ppl, dense);
  assert.deepEqual(r.curves.reverse.order.slice(0, 3), [11, 10, 9]);
  for (const m of ["bi", "reverse"]) {
    const c = r.curves[m];
    assert.equal(c.ppl.length, 4);
    assert.equal(c.ppl[0], dense);
    assert.equal(c.ppl[2], (await perplexity(withoutLayers(model, c.order.slice(0, 2)), WINDOWS)).ppl);
    assert.deepEqual(c.acc, [12, 11, 10, 9]);
  }
  assert.equal(r.single_layer_ppl.length, 12);
});

test("sweep() measures every perplexity on evalWindows, never on the calibration windows", async () => {
  const model = loadModel(modelDir("bytellama-12L"));
  const evalWindows = [Int32Array.from(new TextEncoder().encode("The dog ran to the park and played with a ball."))];
  const r = await sweep(model, WINDOWS, ["bi", "ppl"], { maxRemove: 1, evalWindows });
  const onEval = async (removed: number[]) => (await perplexity(withoutLayers(model, removed), evalWindows)).ppl;
  assert.equal(r.dense_ppl, await onEval([]));
  assert.equal(r.curves.bi.ppl[1], await onEval(r.curves.bi.order.slice(0, 1)));
  assert.equal(r.single_layer_ppl[3], await onEval([3]));
  assert.deepEqual([r.windows, r.eval_windows, r.eval_tokens], [1, 1, evalWindows[0].length]);
  // The ppl metric's order comes from the calibration windows.
  const onCalibration = await Promise.all(
    r.single_layer_ppl.map(async (_, i) => (await perplexity(withoutLayers(model, [i]), WINDOWS)).ppl),
  );
  assert.deepEqual(r.curves.ppl.scores, onCalibration);
});

test("sweep() checks each window's ids once, not again in every perplexity run (none with checkIds: false)", async () => {
  const evalWindows = [Int32Array.from(new TextEncoder().encode("The dog ran to the park and played."))];
  for (const [checkIds, expected] of [[true, 2], [false, 0]] as const) {
    const { model, checks } = countingIdChecks(loadModel(modelDir("bytellama-12L")));
    await sweep(model, WINDOWS, ["bi", "ppl"], { maxRemove: 2, evalWindows, checkIds });
    assert.equal(checks(), expected);
  }
  const bad = [Int32Array.from([1, 2, 9999])];
  await assert.rejects(
    () => sweep(loadModel(modelDir("bytellama-12L")), WINDOWS, ["reverse"], { evalWindows: bad }),
    (e) => e instanceof UserError && /Token id 9999 at position 2 is out of range/.test(e.message),
  );
});

test("shortgpt sweep writes JSON, Markdown and SVGs for any subset of metrics, with a task's accuracy", async () => {
  const out = mkdtempSync(join(tmpdir(), "shortgpt-sweep-"));
  try {
    const code = await main([
      "sweep",
      modelDir("stories260K"),
      "--text-file",
      "testdata/texts/tinystories_calibration.txt",
      "--eval-text-file",
      "testdata/texts/tinystories_heldout.txt",
      "--window",
      "32",
      "--max-windows",
      "2",
      "--metrics",
      "bi,reverse",
      "--max-remove",
      "2",
      "--task",
      "copa",
      "--data",
      "testdata/eval/copa",
      "--limit",
      "4",
      "--out",
      out,
      "--quiet",
    ]);
    assert.equal(code, 0);
    for (
      const f of [
        "sweep.json",
        "sweep.md",
        "removal_curves.svg",
        "single_layer.svg",
        "metric_bi.svg",
        "accuracy_curves.svg",
      ]
    ) {
      assert.ok(existsSync(join(out, f)), f);
    }
    const json = JSON.parse(readFileSync(join(out, "sweep.json"), "utf8"));
    assert.equal(json.curves.bi.acc.length, 3);
    assert.match(readFileSync(join(out, "sweep.md"), "utf8"), /Task accuracy after removing/);
  } finally {
    rmSync(out, { recursive: true });
  }
});
