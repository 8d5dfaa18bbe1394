/** `shortgpt eval` and `shortgpt generate` end to end: their JSON files. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../cli/args.ts";
import * as evalCli from "../cli/eval.ts";
import * as generateCli from "../cli/generate.ts";
import { test } from "../testing/harness.ts";

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-eval-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("eval --json writes task, n, acc, acc_norm, acc_stderr and per-item scores", () =>
  withTmp(async (tmp) => {
    const json = join(tmp, "copa.json");
    const argv = [
      "testdata/models/stories260K",
      "--task",
      "copa",
      "--data",
      "testdata/eval",
      "--limit",
      "3",
      "--json",
      json,
      "--quiet",
    ];
    await evalCli.run(parseArgs(argv, evalCli.spec));
    const r = JSON.parse(readFileSync(json, "utf8"));
    for (const k of ["task", "n", "acc", "acc_norm", "acc_stderr", "items"]) assert.ok(k in r, `missing "${k}"`);
    assert.equal(r.task, "copa");
    assert.equal(r.n, 3);
    assert.deepEqual(Object.keys(r.items[0]).slice(0, 6), [
      "index",
      "gold",
      "loglikelihoods",
      "lengths",
      "pred",
      "pred_norm",
    ]);
    // lm-eval's COPA choices are " " + choice, and acc_norm counts that space
    assert.deepEqual(r.items[0].lengths, [
      " the toilet filled with water.".length,
      " water flowed from the spout.".length,
    ]);
    assert.deepEqual(r.deviations, [], "COPA on a BOS tokenizer is scored exactly as lm-eval scores it");
  }));

test("eval --remove-layers scores the model without those layers", () =>
  withTmp(async (tmp) => {
    const json = (n: string) => join(tmp, n);
    const base = [
      "testdata/models/stories260K",
      "--task",
      "copa",
      "--data",
      "testdata/eval",
      "--limit",
      "2",
      "--quiet",
    ];
    await evalCli.run(parseArgs([...base, "--json", json("a.json")], evalCli.spec));
    await evalCli.run(parseArgs([...base, "--remove-layers", "2,3", "--json", json("b.json")], evalCli.spec));
    const a = JSON.parse(readFileSync(json("a.json"), "utf8")), b = JSON.parse(readFileSync(json("b.json"), "utf8"));
    assert.deepEqual(b.removed_layers, [2, 3]);
    assert.notDeepEqual(a.items[0].loglikelihoods, b.items[0].loglikelihoods);
  }));

test("generate --json: greedy ids and text; the ShortGPT-gen flags run", () =>
  withTmp(async (tmp) => {
    const json = join(tmp, "g.json");
    const base = [
      "testdata/models/bytellama-12L",
      "--prompt",
      "Once upon a time",
      "--max-tokens",
      "14",
      "--quiet",
      "--json",
      json,
    ];
    await generateCli.run(parseArgs(base, generateCli.spec));
    const r = JSON.parse(readFileSync(json, "utf8"));
    assert.equal(r.text, ", there was a ");
    assert.equal(r.ids.length, 14);
    assert.equal(r.stop, "max_tokens");
    await generateCli.run(parseArgs([...base, "--prefill-skip", "4,3", "--gen-keys", "norope"], generateCli.spec));
    const g = JSON.parse(readFileSync(json, "utf8"));
    assert.deepEqual(g.settings.prefill_skip, [4, 3]);
    assert.equal(g.settings.gen_keys, "norope");
  }));
