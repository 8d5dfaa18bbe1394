import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../testing/harness.ts";
import { bytePiece, decodeUtf8Lossy, decodeUtf8PerByte, parseBytePiece, utf8CharLength } from "./_utf8.ts";

test("utf8CharLength() accepts exactly the characters a strict UTF-8 decoder accepts", () => {
  const strict = new TextDecoder("utf-8", { fatal: true });
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 4 }), (bytes) => {
      const n = utf8CharLength(bytes, 0);
      let strictLength = 0;
      for (let k = 1; k <= bytes.length; k++) {
        try {
          if ([...strict.decode(bytes.subarray(0, k))].length === 1) strictLength = k;
          break;
        } catch { /* a prefix that is no character yet */ }
      }
      assert.equal(n, strictLength, `bytes ${Array.from(bytes)}`);
    }),
    { numRuns: 2000 },
  );
});

test("decodeUtf8PerByte() writes one U+FFFD per invalid byte, as SentencePiece does", () => {
  assert.equal(decodeUtf8PerByte([0xe2, 0x82, 0xac]), "€");
  assert.equal(decodeUtf8PerByte([0xe2, 0x82]), "\uFFFD\uFFFD");
  assert.equal(decodeUtf8Lossy([0xe2, 0x82]), "\uFFFD"); // WHATWG: one per maximal subpart
  assert.equal(decodeUtf8PerByte([0xe2, 0x82, 0x61, 0xc3, 0xa9]), "\uFFFD\uFFFDaé");
  assert.equal(decodeUtf8PerByte([]), "");
});

test("decodeUtf8PerByte() equals the lossy decoder on valid UTF-8", () => {
  fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => {
    const bytes = new TextEncoder().encode(s);
    assert.equal(decodeUtf8PerByte(bytes), s);
  }));
});

test("bytePiece() and parseBytePiece() are inverse; other pieces are no bytes", () => {
  for (let b = 0; b < 256; b++) assert.equal(parseBytePiece(bytePiece(b)), b);
  assert.equal(bytePiece(10), "<0x0A>");
  assert.equal(parseBytePiece("<0x0a>"), 10);
  for (const p of ["<0x1>", "<0x123>", "0x41", "<0xGG>", "▁a"]) assert.equal(parseBytePiece(p), null);
});
