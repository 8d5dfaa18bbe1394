import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../errors.ts";
import { test } from "../../testing/harness.ts";
import { FIXTURES, readJson } from "./_test_util.ts";
import { loadTokenizer } from "./load.ts";
import type { TokenizerConfig } from "./tokenizer.ts";

const config = (model: string) => readJson<TokenizerConfig>(`testdata/models/${model}/config.json`);

/** Runs `f` on a fresh temporary folder holding `files` (name -> source path or text). */
function withFolder(files: Record<string, string>, f: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-tok-"));
  try {
    for (const [name, src] of Object.entries(files)) {
      if (src.startsWith("text:")) writeFileSync(join(dir, name), src.slice(5));
      else copyFileSync(src, join(dir, name));
    }
    f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("loadTokenizer() finds the tokenizer of every bundled model", () => {
  const expected: Record<string, string> = {
    "stories260K": "llama2c",
    "stories260K-bf16": "llama2c",
    "stories260K-f16": "llama2c",
    "stories260K-mha": "llama2c",
    "babyllama105": "llama2c", // tok105.bin; its original/tok105.model is not looked at
    "bytellama-12L": "bytes",
    "tiny-rwkv-4v0-660K": "bytes",
    "tiny-rwkv-5v1-730K": "bytes",
    "tiny-rwkv-5v2-730K": "bytes",
    "tiny-rwkv-6v0-1m": "bytes",
    "tiny-rwkv-7v0-834K": "bytes",
  };
  for (const [model, kind] of Object.entries(expected)) {
    const tok = loadTokenizer(`testdata/models/${model}`, config(model));
    assert.equal(tok.kind, kind, model);
    assert.equal(tok.vocabSize, config(model).vocab_size, model);
  }
  const tok = loadTokenizer("testdata/models/stories260K", config("stories260K"));
  assert.deepEqual(tok.encode("Once upon a time"), [1, 403, 407, 261, 378]);
});

test("loadTokenizer() prefers tokenizer.json, then tokenizer.model, then tokenizer.bin / tok*.bin, then bytes", () => {
  const json = `${FIXTURES}/hf_sp_tinystories512.json`, model = `${FIXTURES}/tinystories512.model`;
  const bin = "testdata/models/stories260K/tok512.bin";
  const cfg = { vocab_size: 512, tokenizer: "bytes" };
  withFolder(
    { "tokenizer.json": json, "tokenizer.model": model, "tok512.bin": bin },
    (d) => assert.equal(loadTokenizer(d, cfg).kind, "hf-bpe"),
  );
  withFolder(
    { "tokenizer.model": model, "tok512.bin": bin },
    (d) => assert.equal(loadTokenizer(d, cfg).kind, "sentencepiece"),
  );
  withFolder({ "tok512.bin": bin }, (d) => assert.equal(loadTokenizer(d, cfg).kind, "llama2c"));
  withFolder({ "tokenizer.bin": bin, "tok105.bin": "testdata/models/babyllama105/tok105.bin" }, (d) => {
    assert.equal(loadTokenizer(d, cfg).vocabSize, 512);
  });
  withFolder({}, (d) => assert.equal(loadTokenizer(d, cfg).kind, "bytes"));
});

test("loadTokenizer() without any tokenizer says what it looked for and suggests --ids", () => {
  withFolder({ "config.json": "text:{}" }, (d) => {
    assert.throws(() => loadTokenizer(d, {}), (e) => {
      assert.ok(e instanceof UserError);
      assert.match(
        e.message,
        /^No tokenizer found in ".*": looked for tokenizer.json, tokenizer.model, tokenizer.bin, tok\*.bin/,
      );
      assert.match(e.message, /--ids/);
      return true;
    });
    assert.throws(() => loadTokenizer(d, { tokenizer: "tiktoken" }), /the only value understood is "bytes"/);
  });
  assert.throws(() => loadTokenizer("testdata/no-such-model", {}), /the folder does not exist/);
});

test("loadTokenizer() refuses two tok*.bin files, a corrupt tokenizer file and a wrong vocab_size with UserErrors", () => {
  withFolder({
    "tok512.bin": "testdata/models/stories260K/tok512.bin",
    "tok105.bin": "testdata/models/babyllama105/tok105.bin",
  }, (d) => {
    assert.throws(() => loadTokenizer(d, {}), /found "tok105.bin", "tok512.bin"/);
  });
  withFolder({ "tokenizer.json": "text:{not json" }, (d) => assert.throws(() => loadTokenizer(d, {}), UserError));
  withFolder(
    { "tokenizer.model": "text:\u00ff\u00ff\u00ff" },
    (d) => assert.throws(() => loadTokenizer(d, {}), UserError),
  );
  withFolder({ "tok512.bin": "testdata/models/stories260K/tok512.bin" }, (d) => {
    assert.throws(() => loadTokenizer(d, { vocab_size: 32000 }), /vocab_size 32000/);
  });
});

test("config.json's bos_token_id and eos_token_id (first of a list) override the tokenizer file's", () => {
  withFolder({ "tokenizer.model": `${FIXTURES}/tinystories512.model` }, (d) => {
    const tok = loadTokenizer(d, { bos_token_id: null, eos_token_id: [2, 1] });
    assert.equal(tok.bosId, null);
    assert.equal(tok.eosId, 2);
    assert.equal(tok.encode("a")[0], 261);
  });
  const tok = loadTokenizer("testdata/models/stories260K", { vocab_size: 512, bos_token_id: null });
  assert.deepEqual(tok.encode("a"), [261]);
});
