/** `shortgpt eval` and `shortgpt generate` end to end: their JSON files. */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommand } from "../cli/shared.ts";
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
    await evalCli.run(parseCommand(argv, evalCli.spec));
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
    await evalCli.run(parseCommand([...base, "--json", json("a.json")], evalCli.spec));
    await evalCli.run(parseCommand([...base, "--remove-layers", "2,3", "--json", json("b.json")], evalCli.spec));
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
    await generateCli.run(parseCommand(base, generateCli.spec));
    const r = JSON.parse(readFileSync(json, "utf8"));
    assert.equal(r.text, ", there was a ");
    assert.equal(r.ids.length, 14);
    assert.equal(r.stop, "max_tokens");
    await generateCli.run(parseCommand([...base, "--prefill-skip", "4,3", "--gen-keys", "norope"], generateCli.spec));
    const g = JSON.parse(readFileSync(json, "utf8"));
    assert.deepEqual(g.settings.prefill_skip, [4, 3]);
    assert.equal(g.settings.gen_keys, "norope");
  }));

test("generate: generation_config.json gives the defaults (do_sample false is greedy at any temperature); a flag wins", () =>
  withTmp(async (tmp) => {
    const model = join(tmp, "model");
    cpSync("testdata/models/bytellama-12L", model, { recursive: true });
    const json = join(tmp, "g.json");
    const gen = (dir: string, ...flags: string[]) =>
      generateCli.run(
        parseCommand([dir, "--prompt", "Once upon a time", "--quiet", "--json", json, ...flags], generateCli.spec),
      ).then(() => JSON.parse(readFileSync(json, "utf8")));
    const config = (c: Record<string, unknown>) =>
      writeFileSync(join(model, "generation_config.json"), JSON.stringify(c));

    // no file: transformers' defaults (greedy), 64 new tokens
    const plain = await gen("testdata/models/bytellama-12L", "--max-tokens", "14");
    assert.equal(plain.text, ", there was a ");
    const greedy = plain.ids;

    config({ do_sample: false, temperature: 0.7, top_p: 0.5, max_new_tokens: 14 });
    const g = await gen(model);
    assert.deepEqual(g.ids, greedy, "do_sample false: greedy although the file has a temperature");
    assert.deepEqual(
      [g.settings.do_sample, g.settings.temperature, g.settings.top_p, g.settings.top_k, g.settings.max_new_tokens],
      [false, 0.7, 0.5, 50, 14],
    );
    assert.deepEqual(g.settings_source, {
      do_sample: "generation_config.json",
      temperature: "generation_config.json",
      top_p: "generation_config.json",
      top_k: "built-in",
      max_new_tokens: "generation_config.json",
    });
    // --temperature above 0 asks for sampling: the flag wins over do_sample false
    const flagged = await gen(model, "--temperature", "1.5", "--top-k", "20", "--top-p", "1", "--seed", "3");
    assert.equal(flagged.settings.do_sample, true);
    assert.equal(flagged.settings_source.do_sample, "flag");
    assert.notDeepEqual(flagged.ids, greedy);

    config({ do_sample: true, temperature: 1.5, top_k: 20, max_new_tokens: 14 });
    const s = await gen(model, "--seed", "3");
    assert.equal(s.settings.do_sample, true);
    assert.deepEqual(s.ids, flagged.ids, "the file's sampling settings draw what the same flags draw");
    const s5 = await gen(model, "--seed", "3", "--top-k", "1");
    assert.deepEqual(s5.ids, greedy, "--top-k 1 over the file's 20 keeps only the arg-max");
    assert.equal(s5.settings_source.top_k, "flag");
    for (const flags of [["--greedy"], ["--temperature", "0"]]) {
      const r = await gen(model, ...flags, "--max-tokens", "5");
      assert.deepEqual(r.ids, greedy.slice(0, 5), flags.join(" "));
      assert.equal(r.settings_source.do_sample, "flag");
      assert.equal(r.settings_source.max_new_tokens, "flag");
    }

    // max_length counts the prompt (16 bytes); max_new_tokens wins when both are set
    config({ max_length: 20 });
    assert.equal((await gen(model)).ids.length, 4);
    config({ max_length: 20, max_new_tokens: 6 });
    assert.equal((await gen(model)).ids.length, 6);
    config({ do_sample: true, temperature: 0 });
    await assert.rejects(gen(model), /temperature above 0.*generation_config\.json/);
    assert.deepEqual((await gen(model, "--greedy", "--max-tokens", "14")).ids, greedy);
  }));
