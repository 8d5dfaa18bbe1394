import assert from "node:assert/strict";
import fc from "fast-check";
import { UserError } from "../../errors.ts";
import { test } from "../../testing/harness.ts";
import { assertIds, codeUnits, hundredKb, readJson } from "./_test_util.ts";
import { BytesTokenizer } from "./bytes.ts";

const tok = new BytesTokenizer();

test("encode() gives the golden ids of bytellama-12L (its UTF-8 bytes, no BOS)", () => {
  const manifest = readJson<{ sequences: { text: string; ids: number[] }[] }>(
    "testdata/golden/llama/bytellama-12L/manifest.json",
  );
  for (const seq of manifest.sequences) {
    assertIds(tok.encode(seq.text), seq.ids, "bytellama-12L");
    assert.equal(tok.decode(seq.ids), seq.text);
  }
  assert.deepEqual(tok.encode("hé"), [104, 195, 169]);
  assert.deepEqual([tok.bosId, tok.eosId, tok.vocabSize], [null, null, 256]);
});

test("decode(encode(x)) is x for any Unicode text", () => {
  fc.assert(fc.property(fc.string({ unit: "grapheme" }), (t) => assert.equal(tok.decode(tok.encode(t)), t)));
});

test("encode() reads lone surrogates as U+FFFD; decode() writes invalid UTF-8 as U+FFFD and refuses ids outside 0..255", () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 0xffff })).map(codeUnits), (t) => {
    assert.ok(tok.encode(t).every((b) => b >= 0 && b < 256));
  }));
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 255 })), (ids) => assert.equal(typeof tok.decode(ids), "string")),
  );
  assert.deepEqual(tok.encode("\uDC00x"), [0xef, 0xbf, 0xbd, 0x78]);
  assert.equal(tok.decode([0xe2, 0x82]), "\uFFFD");
  assert.throws(() => tok.decode([256]), UserError);
  assert.throws(() => tok.decode([-1]), UserError);
});

test("decode(encode(x)) is x for 100 kB of text", () => {
  const text = hundredKb();
  assert.equal(tok.decode(tok.encode(text)), text);
});
