import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { UserError } from "../../errors.ts";
import { test } from "../../testing/harness.ts";
import { FIXTURES, validOrUserError } from "./_test_util.ts";
import { float32, int32, readFields } from "./_protobuf.ts";
import { loadSentencePieceModel } from "./load.ts";
import { ModelType, parseSentencePieceModel, PieceType } from "./sentencepiece_model.ts";

const TOK105_MODEL = "testdata/models/babyllama105/original/tok105.model";

test("parseSentencePieceModel() reads tok105.model's pieces, trainer and normalizer settings", () => {
  const m = loadSentencePieceModel(TOK105_MODEL);
  assert.equal(m.pieces.length, 105);
  assert.deepEqual(m.pieces.slice(0, 5), [
    { piece: "<unk>", score: 0, type: PieceType.UNKNOWN },
    { piece: "<s>", score: 0, type: PieceType.CONTROL },
    { piece: "</s>", score: 0, type: PieceType.CONTROL },
    { piece: "\u2581", score: -0, type: PieceType.NORMAL },
    { piece: "e", score: -1, type: PieceType.NORMAL },
  ]);
  assert.equal(m.pieces[104].piece, "\u200a");
  assert.equal(m.modelType, ModelType.BPE);
  assert.equal(m.byteFallback, false);
  assert.deepEqual([m.unkId, m.bosId, m.eosId, m.padId], [0, 1, 2, -1]);
  assert.equal(m.unkSurface, " \\342\\201\\207 "); // llama2.c passed a raw string: the escapes are literal
  assert.deepEqual(m.normalizer, {
    name: "identity",
    precompiledCharsmapLength: 0,
    addDummyPrefix: true, // proto defaults: the file does not store them
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  });
});

test("parseSentencePieceModel() reads the Llama-2-style settings of tinystories512.model", () => {
  const m = loadSentencePieceModel(`${FIXTURES}/tinystories512.model`);
  assert.equal(m.pieces.length, 512);
  assert.equal(m.byteFallback, true);
  assert.equal(m.normalizer.removeExtraWhitespaces, false);
  assert.deepEqual(m.pieces[3], { piece: "<0x00>", score: 0, type: PieceType.BYTE });
  assert.deepEqual(m.pieces[260], { piece: "\u2581t", score: -1, type: PieceType.NORMAL });
});

test("readFields() decodes varints, negative int32s, floats and nested messages", () => {
  // field 1 varint 300; field 2 int32 -1 (10-byte varint); field 3 float 1.5; field 4 bytes "hi"
  const bytes = Uint8Array.from([
    0x08,
    0xac,
    0x02,
    0x10,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0x01,
    0x1d,
    0x00,
    0x00,
    0xc0,
    0x3f,
    0x22,
    0x02,
    0x68,
    0x69,
  ]);
  const [a, b, c, d] = readFields(bytes);
  assert.equal(a.int, 300);
  assert.equal(int32(b), -1);
  assert.equal(float32(c), 1.5);
  assert.deepEqual(Array.from(d.bytes), [0x68, 0x69]);
});

test("parseSentencePieceModel() turns a truncated or corrupt file into a UserError", () => {
  const bytes = new Uint8Array(readFileSync(TOK105_MODEL));
  assert.throws(() => parseSentencePieceModel(bytes.subarray(0, 50), "cut.model"), (e) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /^Cannot read SentencePiece model "cut.model": .*runs past the end/);
    return true;
  });
  assert.throws(() => parseSentencePieceModel(new Uint8Array(0)), /holds no pieces/);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (noise, at) => {
      validOrUserError(() => parseSentencePieceModel(noise));
      const flipped = bytes.slice();
      flipped[at % flipped.length] ^= 0xff;
      validOrUserError(() => parseSentencePieceModel(flipped));
    }),
    { numRuns: 500 },
  );
});
