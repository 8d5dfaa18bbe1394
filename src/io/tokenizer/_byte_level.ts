/**
 * GPT-2's byte-level alphabet: every byte as one printable Unicode character.
 *
 * Byte-level BPE (GPT-2, Llama 3, Qwen2) works on the UTF-8 bytes of the text, but its
 * vocabulary is written as text: printable bytes stand for themselves (`!`..`~`, `¡`..`¬`,
 * `®`..`ÿ`) and the other 68 bytes take the characters from U+0100 on, in byte order
 * (space is `Ġ`, newline `Ċ`). This is `bytes_to_unicode()` of GPT-2's `encoder.py`.
 *
 * @module
 */

import { decodeUtf8Lossy, utf8Bytes } from "./_utf8.ts";

/** `BYTE_TO_CHAR[b]` is the character standing for byte `b`. */
const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) out.push(String.fromCharCode(printable(b) ? b : next++));
  return out;
})();

const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** The byte-level form of `text`: its UTF-8 bytes, each written as its character. */
export function toByteLevel(text: string): string {
  let out = "";
  for (const b of utf8Bytes(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/**
 * The bytes a token stands for, as Hugging Face's ByteLevel decoder reads them: each
 * character's byte, or, if some character is not in the alphabet (an added token such as
 * `<|endoftext|>` written as plain text), the token's own UTF-8 bytes.
 */
function byteLevelBytes(token: string): number[] {
  const out: number[] = [];
  for (const c of token) {
    const b = CHAR_TO_BYTE.get(c);
    if (b === undefined) return Array.from(utf8Bytes(token));
    out.push(b);
  }
  return out;
}

/** Tokens of a byte-level vocabulary back to text (invalid UTF-8 as U+FFFD, as Rust's `from_utf8_lossy`). */
export function fromByteLevel(tokens: readonly string[]): string {
  return decodeUtf8Lossy(tokens.flatMap(byteLevelBytes));
}
