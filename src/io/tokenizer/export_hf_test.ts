// Exported tokenizers (llama2.c tok*.bin, SentencePiece .model → tokenizer.json) give the ids of
// the tokenizer they came from, read back by our Hugging Face tokenizer, on testdata/texts/, on
// the tokenizer fixture texts and on fuzz inputs. The remaining differences are by design of
// tokenizer.json (export_hf.ts): literal <s>/</s>/<unk> are special tokens, a literal ▁ is a space.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import * as exportCli from "../../cli/export_tokenizer.ts";
import { parseArgs } from "../../cli/args.ts";
import { UserError } from "../../errors.ts";
import { test } from "../../testing/harness.ts";
import { exportHfTokenizer } from "./export_hf.ts";
import { parseHfTokenizer } from "./hf_bpe.ts";
import { loadTokenizer } from "./load.ts";
import { savePrunedLayers } from "../../prune/save.ts";
import type { Tokenizer } from "./tokenizer.ts";
import { loadSentencePieceTokenizer } from "./load.ts";

const heldout = readFileSync("testdata/texts/tinystories_heldout.txt", "utf8");
const fixtureTexts = JSON.parse(readFileSync("testdata/tokenizers/texts.json", "utf8")) as string[];
const byDesign = (t: string) => /<s>|<\/s>|<unk>|\u2581/.test(t);

function exported(dir: string, config: Record<string, unknown>): Tokenizer {
  const files = exportHfTokenizer(dir, config);
  assert.ok(files, `nothing exported from ${dir}`);
  const cfg = JSON.parse(files["tokenizer_config.json"]);
  assert.equal(cfg.bos_token, "<s>");
  return parseHfTokenizer(files["tokenizer.json"], { eos_token_id: 2 });
}

function sameIds(ours: Tokenizer, hf: Tokenizer, texts: readonly string[], label: string): void {
  for (const t of texts) assert.deepEqual(hf.encode(t), ours.encode(t), `${label}: ${JSON.stringify(t.slice(0, 60))}`);
}

test("stories260K's llama2.c tok512.bin exported as tokenizer.json gives the same ids", () => {
  const dir = "testdata/models/stories260K";
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  const ours = loadTokenizer(dir, config), hf = exported(dir, config);
  sameIds(ours, hf, [heldout, ...heldout.split("\n"), ...fixtureTexts.filter((t) => !byDesign(t))], "tok512");
  fc.assert(
    fc.property(fc.string({ unit: "grapheme" }), (t) => {
      if (!byDesign(t)) assert.deepEqual(hf.encode(t), ours.encode(t));
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 30 }), (t) => {
      if (!byDesign(t)) assert.deepEqual(hf.encode(t), ours.encode(t));
    }),
    { numRuns: 300 },
  );
});

test("babyllama105's llama2.c tok105.bin (no byte pieces) exported gives the same ids on text in its alphabet", () => {
  const dir = "testdata/models/babyllama105";
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  const ours = loadTokenizer(dir, config), hf = exported(dir, config);
  // Outside the alphabet run.c gives byte + 3 (unrelated pieces); tokenizer.json gives <unk> (id 0).
  const texts = [heldout, ...fixtureTexts].filter((t) => !byDesign(t) && !hf.encode(t).includes(0));
  assert.ok(texts.length > 10, `${texts.length} texts`);
  sameIds(ours, hf, texts, "tok105");
});

test("a SentencePiece tokenizer.model exported as tokenizer.json gives SentencePiece's ids, extra spaces included", () => {
  for (
    const model of ["testdata/tokenizers/tinystories512.model", "testdata/models/babyllama105/original/tok105.model"]
  ) {
    const dir = mkdtempSync(join(tmpdir(), "shortgpt-tok-"));
    try {
      writeFileSync(join(dir, "tokenizer.model"), readFileSync(model));
      const ours = loadSentencePieceTokenizer(join(dir, "tokenizer.model"));
      const hf = exported(dir, {});
      // tok105 has no byte fallback: SentencePiece gives one <unk> per run, tokenizer.json one per character.
      const inAlphabet = (t: string) => !model.includes("tok105") || ours.encode(t).every((id) => id !== 0);
      const texts = [heldout.slice(0, 3000), ...fixtureTexts].filter((t) => !byDesign(t) && inAlphabet(t));
      sameIds(ours, hf, [...texts, "  two  spaces  ", " lead", "trail "], model);
      fc.assert(
        fc.property(fc.string({ unit: "grapheme" }), (t) => {
          if (!byDesign(t) && inAlphabet(t)) assert.deepEqual(hf.encode(t), ours.encode(t));
        }),
        { numRuns: 200 },
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  }
});

test("nothing is exported where a tokenizer.json exists or there is no tokenizer file", () => {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-tok-"));
  try {
    assert.equal(exportHfTokenizer(dir, {}), null);
    writeFileSync(join(dir, "tokenizer.json"), "{}");
    assert.equal(exportHfTokenizer(dir, {}), null);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("prune writes tokenizer.json for a llama2.c model, and the pruned folder encodes as the input did", () => {
  const root = mkdtempSync(join(tmpdir(), "shortgpt-tok-"));
  try {
    const src = "testdata/models/stories260K", out = join(root, "pruned");
    savePrunedLayers(src, out, [2]);
    const config = JSON.parse(readFileSync(join(src, "config.json"), "utf8"));
    const pruned = loadTokenizer(out, config); // tokenizer.json comes first
    assert.equal(pruned.kind, "hf-bpe");
    sameIds(loadTokenizer(src, config), pruned, heldout.split("\n"), "pruned folder");
    assert.equal(JSON.parse(readFileSync(join(out, "tokenizer_config.json"), "utf8")).model_max_length, 512);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test("shortgpt export-tokenizer writes tokenizer.json that encodes as tok512.bin, and refuses the model folder and existing files", () => {
  const root = mkdtempSync(join(tmpdir(), "shortgpt-tok-"));
  try {
    const model = "testdata/models/stories260K", out = join(root, "tok");
    const run = (...args: string[]) => exportCli.run(parseArgs([model, ...args], exportCli.spec));
    run("--out", out);
    const hf = parseHfTokenizer(readFileSync(join(out, "tokenizer.json"), "utf8"));
    assert.deepEqual(hf.encode("Once upon a time"), [1, 403, 407, 261, 378]);
    assert.throws(() => run("--out", out), (e: unknown) => e instanceof UserError && /--force/.test(e.message));
    run("--out", out, "--force");
    assert.throws(
      () => run("--out", model),
      (e: unknown) => e instanceof UserError && /never modifies/.test(e.message),
    );
  } finally {
    rmSync(root, { recursive: true });
  }
});
