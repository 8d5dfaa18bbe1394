/**
 * UTF-8 helpers and the `<0xNN>` byte pieces of byte-fallback vocabularies.
 *
 * Three decoders, because the reference implementations disagree on how many U+FFFD an
 * invalid byte sequence becomes, and we match each reference:
 * - {@link decodeUtf8Lossy}: WHATWG / Rust `from_utf8_lossy` (one U+FFFD per maximal invalid
 *   subpart): raw bytes, llama2.c, Hugging Face ByteLevel.
 * - {@link decodeUtf8PerByte}: SentencePiece (one U+FFFD per byte that starts no valid character).
 * - Hugging Face ByteFallback: a whole run of bytes is either valid UTF-8 or one U+FFFD per
 *   byte (in `_hf_decoders.ts`).
 *
 * @module
 */

const encoder = new TextEncoder();
const lossy = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** The UTF-8 bytes of `text` (a lone surrogate becomes the bytes of U+FFFD). */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 to text, each maximal invalid subpart as one U+FFFD (WHATWG, Rust `from_utf8_lossy`). */
export function decodeUtf8Lossy(bytes: Uint8Array | readonly number[]): string {
  return lossy.decode(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
}

/** Length of the valid UTF-8 character starting at `bytes[i]` (Unicode Table 3-7), or 0. */
export function utf8CharLength(bytes: ArrayLike<number>, i: number): number {
  const b0 = bytes[i];
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < bytes.length && bytes[i + k] >= lo && bytes[i + k] <= hi;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [lo, hi] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** UTF-8 to text, every byte that starts no valid character as one U+FFFD (SentencePiece). */
export function decodeUtf8PerByte(bytes: ArrayLike<number>): string {
  const all = Uint8Array.from(bytes as ArrayLike<number>);
  let out = "";
  let start = 0; // start of the current run of valid characters
  for (let i = 0; i < all.length;) {
    const n = utf8CharLength(all, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += decodeUtf8Lossy(all.subarray(start, i)) + "\uFFFD";
    start = i += 1;
  }
  return out + decodeUtf8Lossy(all.subarray(start));
}

/** The byte piece of byte `b`: `<0x0A>` (two upper-case hex digits, as SentencePiece writes them). */
export function bytePiece(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
}

/** The byte of a `<0xNN>` piece (either case of hex digit), or null for any other piece. */
export function parseBytePiece(piece: string): number | null {
  const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
  return m ? parseInt(m[1], 16) : null;
}
