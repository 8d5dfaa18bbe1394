/**
 * llama2.c's tokenizer: `tokenizer.bin` / `tok*.bin`, encoded and decoded exactly as its `run.c`.
 *
 * File layout (little-endian): int32 `max_token_length`, then for each id: float32 score,
 * int32 byte length, the piece's bytes. The number of ids is not stored: it is the model's
 * `vocab_size`. Ids 0, 1, 2 are `<unk>`, BOS and EOS; in Llama-2-style files ids 3..258 are
 * the byte pieces `<0x00>`..`<0xFF>`; SentencePiece's `▁` is stored as a space.
 *
 * Pieces are handled as byte strings (one JS char per byte, "binary"), so concatenating and
 * looking them up is exactly run.c's `sprintf("%s%s")` + `bsearch` on C strings; like a C
 * string, a piece ends at its first NUL byte.
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { memoizePairs, mergeByPriority, type MergeLookup } from "./_bpe_merge.ts";
import { checkIds, wellFormed } from "./_common.ts";
import { decodeUtf8Lossy, utf8Bytes } from "./_utf8.ts";
import type { EncodeOptions, Tokenizer } from "./tokenizer.ts";

const binary = (bytes: Uint8Array) => {
  const nul = bytes.indexOf(0);
  return String.fromCharCode(...(nul < 0 ? bytes : bytes.subarray(0, nul)));
};

/** run.c starts `best_score` at -1e10 (a float): pairs scoring no higher never merge. */
const NO_MERGE_SCORE = Math.fround(-1e10);

/** A llama2.c tokenizer (see the module doc). */
export class Llama2cTokenizer implements Tokenizer {
  readonly kind = "llama2c";
  readonly vocabSize: number;
  /** Piece of each id as a byte string (see the module doc). */
  readonly pieces: readonly string[];
  /** Score of each id (float32 values); higher merges first. */
  readonly scores: Float32Array;
  private readonly idOf = new Map<string, number>();
  private readonly mergeOf: MergeLookup;
  private readonly codepointIds = new Map<string, number[]>(); // the ids of each codepoint seen so far

  /** `bosId` is run.c's hard-coded 1 unless config.json says otherwise; so is `eosId` (2). */
  constructor(
    pieces: string[],
    scores: Float32Array,
    readonly bosId: number | null = 1,
    readonly eosId: number | null = 2,
  ) {
    this.pieces = pieces;
    this.scores = scores;
    this.vocabSize = pieces.length;
    // run.c's bsearch finds one of equal pieces; real files have none, we keep the first
    pieces.forEach((p, i) => this.idOf.has(p) || this.idOf.set(p, i));
    this.mergeOf = memoizePairs((l, r) => {
      const id = this.idOf.get(this.pieces[l] + this.pieces[r]);
      if (id === undefined || !(this.scores[id] > NO_MERGE_SCORE)) return undefined;
      return { priority: -this.scores[id], id };
    }, this.vocabSize);
  }

  /** Text to ids as run.c `encode()`: BOS, dummy-prefix " ", codepoints (bytes + 3 if unknown), merges. */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    return this.withBos(mergeByPriority(this.initialIds(text), this.mergeOf), opts);
  }

  /**
   * The plain, obviously-correct twin of {@link encode}: run.c's loop, which rescans every
   * pair after each merge (O(n²)). Tests compare the two.
   */
  encodeNaive(text: string, opts: EncodeOptions = {}): number[] {
    const tokens = this.initialIds(text);
    for (;;) {
      let bestScore = NO_MERGE_SCORE, bestId = -1, bestIdx = -1;
      for (let i = 0; i < tokens.length - 1; i++) {
        const id = this.idOf.get(this.pieces[tokens[i]] + this.pieces[tokens[i + 1]]);
        if (id !== undefined && this.scores[id] > bestScore) [bestScore, bestId, bestIdx] = [this.scores[id], id, i];
      }
      if (bestIdx < 0) break;
      tokens.splice(bestIdx, 2, bestId);
    }
    return this.withBos(tokens, opts);
  }

  /** Ids to text as run.c `decode()`: no space after BOS, `<0xNN>` pieces as raw bytes; BOS/EOS dropped. */
  decode(ids: readonly number[]): string {
    checkIds(ids, this.vocabSize, this.kind);
    const bytes: number[] = [];
    let prev = -1;
    for (const id of ids) {
      if (id !== this.bosId && id !== this.eosId) {
        let piece = this.pieces[id];
        if (prev === this.bosId && piece[0] === " ") piece = piece.slice(1);
        // run.c: sscanf(piece, "<0x%02hhX>") — at most two hex digits, the ">" is not checked
        const m = /^<0x([0-9A-Fa-f]{1,2})/.exec(piece);
        if (m) bytes.push(parseInt(m[1], 16));
        else for (let k = 0; k < piece.length; k++) bytes.push(piece.charCodeAt(k));
      }
      prev = id;
    }
    return decodeUtf8Lossy(bytes);
  }

  // The dummy prefix " " (text non-empty) and each UTF-8 codepoint, as run.c collects them.
  private initialIds(text: string): number[] {
    const ids: number[] = [];
    for (const ch of text.length > 0 ? " " + wellFormed(text) : "") {
      let cp = this.codepointIds.get(ch);
      if (cp === undefined) {
        if (this.codepointIds.size > 100_000) this.codepointIds.clear();
        this.codepointIds.set(ch, cp = this.codepoint(ch, text));
      }
      for (const id of cp) ids.push(id);
    }
    return ids;
  }

  // One codepoint: its piece if the vocabulary has it, else one byte-fallback id per byte.
  // (run.c reads a lead byte and up to 3 continuation bytes: for well-formed UTF-8, one codepoint.)
  private codepoint(ch: string, text: string): number[] {
    const bytes = utf8Bytes(ch);
    const id = this.idOf.get(binary(bytes));
    return id !== undefined ? [id] : Array.from(bytes, (b) => this.byteId(b, text));
  }

  private byteId(b: number, text: string): number {
    const id = b + 3; // run.c: "+3 because the first 3 vocab elements are <unk>, <s>, </s>"
    if (id >= this.vocabSize) {
      throw new UserError(
        `Cannot encode ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + "…" : text)}: it holds a character ` +
          `that is not in this llama2.c vocabulary of ${this.vocabSize} and whose byte 0x${b.toString(16)} has no ` +
          `byte-fallback id (byte + 3 = ${id}); remove the character or pass token ids with --ids`,
      );
    }
    return id;
  }

  private withBos(ids: number[], opts: EncodeOptions): number[] {
    return (opts.bos ?? true) && this.bosId !== null ? [this.bosId, ...ids] : ids;
  }
}

/**
 * Reads a llama2.c tokenizer from the bytes of its file. `vocabSize` (config.json's
 * `vocab_size`) must match the number of pieces when given; without it, pieces are read to
 * the end of the file.
 */
export function parseLlama2cTokenizer(
  bytes: Uint8Array,
  opts: { vocabSize?: number; bosId?: number | null; eosId?: number | null; name?: string } = {},
): Llama2cTokenizer {
  const name = opts.name ?? "tokenizer.bin";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string) =>
    new UserError(`Cannot read llama2.c tokenizer "${name}": ${what}; the file is truncated or not in llama2.c format`);
  if (bytes.length < 4) throw fail(`it has ${bytes.length} bytes, fewer than the 4-byte header`);
  const pieces: string[] = [], scores: number[] = [];
  let o = 4;
  while (o < bytes.length && (opts.vocabSize === undefined || pieces.length < opts.vocabSize)) {
    if (o + 8 > bytes.length) throw fail(`piece ${pieces.length} is cut off at byte ${o}`);
    const score = view.getFloat32(o, true), len = view.getInt32(o + 4, true);
    if (len < 0 || o + 8 + len > bytes.length) throw fail(`piece ${pieces.length} has length ${len} at byte ${o + 4}`);
    scores.push(score);
    pieces.push(binary(bytes.subarray(o + 8, o + 8 + len)));
    o += 8 + len;
  }
  if (opts.vocabSize !== undefined && (pieces.length !== opts.vocabSize || o !== bytes.length)) {
    throw new UserError(
      `Cannot use llama2.c tokenizer "${name}" with vocab_size ${opts.vocabSize}: the file holds ` +
        `${
          o === bytes.length ? pieces.length : "more than " + pieces.length
        } pieces; use the tokenizer file made for this model`,
    );
  }
  if (pieces.length === 0) throw fail("it holds no pieces");
  return new Llama2cTokenizer(pieces, Float32Array.from(scores), opts.bosId, opts.eosId);
}
