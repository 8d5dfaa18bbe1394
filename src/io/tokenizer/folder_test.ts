import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { UserError } from "../../errors.ts";
import { test } from "../../testing/harness.ts";
import { bytesSource, type Fetch, urlSource } from "../byte_source.ts";
import { filesFolder, urlFolder } from "../safetensors_source.ts";
import { chooseTokenizerFile, readFolderTokenizer } from "./folder.ts";
import { loadTokenizer } from "./load.ts";

const STORIES = "testdata/models/stories260K";
const storiesConfig = JSON.parse(readFileSync(`${STORIES}/config.json`, "utf8"));
const TEXT = "Once upon a time, there was a little dog named Max.";

test("chooseTokenizerFile() takes tokenizer.json, then tokenizer.model, then tokenizer.bin, then the one tok*.bin", () => {
  const all = ["tok512.bin", "tokenizer.bin", "tokenizer.model", "tokenizer.json", "config.json"];
  assert.deepEqual(chooseTokenizerFile(all, "m"), { file: "tokenizer.json", kind: "hf-bpe" });
  assert.deepEqual(chooseTokenizerFile(all.slice(0, 3), "m"), { file: "tokenizer.model", kind: "sentencepiece" });
  assert.deepEqual(chooseTokenizerFile(all.slice(0, 2), "m"), { file: "tokenizer.bin", kind: "llama2c" });
  assert.deepEqual(chooseTokenizerFile(["tok512.bin", "x.bin"], "m"), { file: "tok512.bin", kind: "llama2c" });
  assert.equal(chooseTokenizerFile(["config.json", "model.safetensors"], "m"), null);
  assert.throws(
    () => chooseTokenizerFile(["tok1.bin", "tok2.bin"], "m"),
    (e) => e instanceof UserError && /"tok1\.bin", "tok2\.bin"; keep one/.test(e.message),
  );
});

test("readFolderTokenizer() finds tok{vocab_size}.bin in a URL folder (404s count as absent) and encodes as loadTokenizer()", async () => {
  const served = new Map([["tok512.bin", new Uint8Array(readFileSync(`${STORIES}/tok512.bin`))]]);
  const asked: string[] = [];
  const fetchFn: Fetch = (url) => {
    const name = url.split("/").pop()!;
    asked.push(name);
    const bytes = served.get(name);
    if (!bytes) return Promise.resolve(new Response("not found", { status: 404, statusText: "Not Found" }));
    return Promise.resolve(
      new Response(new Blob([bytes]).stream(), { status: 200, headers: { "content-length": String(bytes.length) } }),
    );
  };
  const { tokenizer, file } = await readFolderTokenizer(
    urlFolder("https://example.test/stories260K/", (u) => urlSource(u, fetchFn)),
    storiesConfig,
  );
  assert.deepEqual(tokenizer.encode(TEXT), loadTokenizer(STORIES, storiesConfig).encode(TEXT));
  assert.deepEqual(new Set(asked), new Set(["tokenizer.json", "tokenizer.model", "tokenizer.bin", "tok512.bin"]));
  assert.equal(file?.name, "tok512.bin");
  assert.deepEqual(file?.bytes, served.get("tok512.bin"));
});

test("readFolderTokenizer() reads a folder of files, and says what is missing in one without a tokenizer", async () => {
  const tok = new Uint8Array(readFileSync(`${STORIES}/tok512.bin`));
  const folder = filesFolder("stories", [bytesSource(tok, "stories/tok512.bin")]);
  const { tokenizer } = await readFolderTokenizer(folder, storiesConfig);
  assert.deepEqual(tokenizer.encode(TEXT), loadTokenizer(STORIES, storiesConfig).encode(TEXT));
  const bytes = await readFolderTokenizer(filesFolder("b", []), { tokenizer: "bytes" });
  assert.deepEqual([bytes.tokenizer.encode("hi"), bytes.file], [[104, 105], null]);
  await assert.rejects(
    readFolderTokenizer(filesFolder("empty", []), {}),
    (e) => e instanceof UserError && /No tokenizer found in "empty"/.test(e.message),
  );
});

test("urlSource() reports a missing file (HTTP 404) as MissingFile, other HTTP errors as errors", async () => {
  const status = (s: number): Fetch => () => Promise.resolve(new Response("", { status: s }));
  await assert.rejects(urlSource("https://x.test/a", status(404)).size(), { name: "MissingFile" });
  await assert.rejects(urlSource("https://x.test/a", status(500)).size(), (e) => (e as Error).name === "Error");
});
