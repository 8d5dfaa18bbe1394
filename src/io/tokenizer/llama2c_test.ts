import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { UserError } from "../../errors.ts";
import { test } from "../../testing/harness.ts";
import { assertEncodesHundredKb, assertIds, codeUnits, peerCases, readJson, validOrUserError } from "./_test_util.ts";
import { parseLlama2cTokenizer } from "./llama2c.ts";
import { loadLlama2cTokenizer } from "./load.ts";

const TOK512 = "testdata/models/stories260K/tok512.bin";
const TOK105 = "testdata/models/babyllama105/tok105.bin";
const tok512 = loadLlama2cTokenizer(TOK512, { vocabSize: 512 });
const tok105 = loadLlama2cTokenizer(TOK105, { vocabSize: 105 });

// Golden sequences: ids made by llama2.c's own encode() (testdata/golden/README.md).
const GOLDEN = [
  ["stories260K", "tok512.bin", 512],
  ["stories260K-bf16", "tok512.bin", 512],
  ["stories260K-f16", "tok512.bin", 512],
  ["stories260K-mha", "tok512.bin", 512],
  ["babyllama105", "tok105.bin", 105],
] as const;

for (const [model, file, vocab] of GOLDEN) {
  test(`encode() gives llama2.c's ids for every golden sequence of ${model}, and decode() gives the text back`, () => {
    const tok = loadLlama2cTokenizer(`testdata/models/${model}/${file}`, { vocabSize: vocab });
    const manifest = readJson<{ sequences: { name: string; text: string; ids: number[] }[] }>(
      `testdata/golden/llama/${model}/manifest.json`,
    );
    assert.ok(manifest.sequences.length > 0);
    for (const seq of manifest.sequences) {
      assertIds(tok.encode(seq.text), seq.ids, `${model}/${seq.name}`);
      assert.equal(tok.decode(seq.ids), seq.text);
    }
  });
}

for (const [name, tok] of [["tok512", tok512], ["tok105", tok105]] as const) {
  test(`encode() gives the ids of llama2.c run.c's encode() on every peer text for ${name}`, () => {
    const cases = peerCases(`llama2c_${name}_ids.json`);
    for (const c of cases) {
      if (c.ids === null) continue; // undefined behaviour in run.c: see the next test
      assertIds(tok.encode(c.text), c.ids, `${name} ${JSON.stringify(c.text.slice(0, 40))}`);
      assertIds(tok.encodeNaive(c.text), c.ids, `${name} naive ${JSON.stringify(c.text.slice(0, 40))}`);
    }
    assert.ok(cases.filter((c) => c.ids !== null).length >= 19);
  });
}

test("encode() refuses with a UserError a character whose byte-fallback id byte+3 is past the vocabulary (run.c reads out of bounds)", () => {
  for (const c of peerCases("llama2c_tok105_ids.json").filter((c) => c.ids === null)) {
    assert.throws(() => tok105.encode(c.text), UserError, c.text);
  }
  assert.throws(() => tok105.encode("{"), /byte-fallback id \(byte \+ 3 = 126\)/);
});

test("encode() equals the plain rescanning loop encodeNaive() on random text", () => {
  // pieces of tok512 as the alphabet, so that long merge chains happen
  const alphabet = fc.constantFrom(
    "a",
    "e",
    "t",
    "h",
    " ",
    "the",
    "and",
    "Lily",
    ".",
    ",",
    "é",
    "日",
    "😀",
    "\n",
    "  ",
  );
  const text = fc.oneof(
    fc.array(alphabet, { maxLength: 60 }).map((xs) => xs.join("")),
    fc.string({ unit: "grapheme", maxLength: 40 }),
  );
  fc.assert(fc.property(text, (t) => assert.deepEqual(tok512.encode(t), tok512.encodeNaive(t))), { numRuns: 300 });
});

test("decode(encode(x)) is x for any Unicode text with tok512 (BOS in front strips the dummy-prefix space)", () => {
  fc.assert(fc.property(fc.string({ unit: "grapheme" }), (t) => assert.equal(tok512.decode(tok512.encode(t)), t)), {
    numRuns: 300,
  });
});

test("without BOS, decode() keeps the dummy-prefix space: decode(encode(x, {bos: false})) is ' ' + x (run.c strips it only after BOS)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", minLength: 1 }), (t) => {
      assert.equal(tok512.decode(tok512.encode(t, { bos: false })), " " + t);
    }),
    { numRuns: 200 },
  );
  assert.deepEqual(tok512.encode("", { bos: false }), []);
  assert.deepEqual(tok512.encode(""), [1]);
});

test("decode(encode(x)) is x for text in tok105's alphabet", () => {
  const alphabet = tok105.pieces.slice(3).filter((p) => [...p].length === 1 || p === " ");
  const chars = alphabet.map((p) => new TextDecoder().decode(Uint8Array.from(p, (c) => c.charCodeAt(0))));
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...chars)), (xs) => {
      const t = xs.join("");
      assert.equal(tok105.decode(tok105.encode(t)), t);
    }),
    { numRuns: 300 },
  );
});

test("encode() reads a lone surrogate as U+FFFD and never throws on tok512; on tok105 it gives ids or a UserError", () => {
  const units = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 30 }).map(codeUnits);
  fc.assert(
    fc.property(units, (t) => {
      const ids = tok512.encode(t);
      assert.ok(ids.every((id) => Number.isInteger(id) && id >= 0 && id < 512));
      validOrUserError(() => tok105.encode(t));
    }),
    { numRuns: 300 },
  );
  assert.deepEqual(tok512.encode("\uD800"), tok512.encode("\uFFFD"));
});

test("decode() of arbitrary ids gives text, and a UserError for ids that are not integers in [0, vocabSize)", () => {
  const id = fc.oneof(fc.integer({ min: -3, max: 515 }), fc.constantFrom(NaN, 1.5, Infinity));
  fc.assert(
    fc.property(fc.array(id, { maxLength: 30 }), (ids) => {
      const ok = ids.every((i) => Number.isInteger(i) && i >= 0 && i < 512);
      if (ok) assert.equal(typeof tok512.decode(ids), "string");
      else assert.throws(() => tok512.decode(ids), UserError);
    }),
    { numRuns: 300 },
  );
  assert.throws(
    () => tok512.decode([512]),
    /Cannot decode token id 512 at position 0: ids of this llama2c tokenizer are integers from 0 to 511/,
  );
});

test("decode() writes <0xNN> pieces as raw bytes, invalid UTF-8 as U+FFFD, and drops BOS and EOS", () => {
  const byte = (b: number) => b + 3;
  assert.equal(tok512.decode([1, byte(0xe2), byte(0x82), byte(0xac), 2]), "€");
  assert.equal(tok512.decode([byte(0xff), byte(0x41)]), "\uFFFDA");
  assert.equal(tok512.decode([1, 2]), "");
});

test("encode() of 100 kB of text and of one 100 kB word gives in-range ids, at most one per byte", () => {
  assertEncodesHundredKb(tok512, "tok512.bin");
});

test("parseLlama2cTokenizer() reports a truncated file, a corrupt length and a vocab_size mismatch as UserErrors", () => {
  const bytes = new Uint8Array(readFileSync(TOK512));
  assert.throws(() => parseLlama2cTokenizer(bytes.subarray(0, 2)), /fewer than the 4-byte header/);
  assert.throws(() => parseLlama2cTokenizer(bytes.subarray(0, 100), { vocabSize: 512 }), UserError);
  assert.throws(() => parseLlama2cTokenizer(bytes, { vocabSize: 32000 }), /holds 512 pieces/);
  assert.throws(() => parseLlama2cTokenizer(bytes, { vocabSize: 100 }), /holds more than 100 pieces/);
  const corrupt = bytes.slice();
  new DataView(corrupt.buffer).setInt32(8, -5, true);
  assert.throws(() => parseLlama2cTokenizer(corrupt), /has length -5/);
  assert.equal(parseLlama2cTokenizer(bytes).vocabSize, 512); // without vocab_size: read to the end
});

test("parseLlama2cTokenizer() on random bytes gives a tokenizer or a UserError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      validOrUserError(() => parseLlama2cTokenizer(bytes).encode("ab"));
    }),
    { numRuns: 300 },
  );
});
