/**
 * SentencePiece BPE tokenizer (`tokenizer.model`), as Llama 2 uses it.
 *
 * Encoding, as SentencePiece's `normalizer.cc` and `bpe_model.cc`:
 * 1. normalize: with `remove_extra_whitespaces`, drop leading/trailing spaces and squeeze
 *    runs of spaces (tok105.model; Llama 2 turns it off); then the dummy prefix " " (when
 *    `add_dummy_prefix` and the text is not empty); then " " → "▁";
 * 2. split into characters (a user-defined piece is one symbol that never merges);
 * 3. repeatedly merge the adjacent pair whose concatenation is a piece with the highest
 *    score, the leftmost on ties (`_bpe_merge.ts`); merges into an UNUSED piece are undone
 *    at the end, as SentencePiece does;
 * 4. a symbol that is no piece is unknown: with `byte_fallback` its UTF-8 bytes become the
 *    `<0xNN>` pieces, else a run of unknown symbols becomes one `<unk>`.
 *
 * Only the "identity" normalization (no compiled rules, Llama 2's) is supported; a model
 * with compiled rules (e.g. the default `nmt_nfkc`) or a non-BPE model type is refused.
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { memoizePairs, mergeByPriority, type MergeLookup } from "./_bpe_merge.ts";
import { checkIds, wellFormed } from "./_common.ts";
import { decodeUtf8PerByte, parseBytePiece, utf8Bytes } from "./_utf8.ts";
import { ModelType, PieceType, type SentencePieceModel } from "./sentencepiece_model.ts";
import type { EncodeOptions, Tokenizer } from "./tokenizer.ts";

const SPACE = "\u2581"; // ▁

/** A SentencePiece BPE tokenizer (see the module doc). */
export class SentencePieceTokenizer implements Tokenizer {
  readonly kind = "sentencepiece";
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  /** Ids of the pieces that take part in merges (NORMAL, USER_DEFINED, UNUSED), by piece. */
  private readonly mergeable = new Map<string, number>();
  private readonly userDefined: string[];
  private readonly byteIds: number[] = [];
  private readonly frozen = new Set<number>(); // ids of user-defined pieces: never merged
  private readonly mergeOf: MergeLookup;

  /** `bosId` / `eosId` override the model's own (as config.json's `bos_token_id` does). */
  constructor(readonly model: SentencePieceModel, special: { bosId?: number | null; eosId?: number | null } = {}) {
    const name = "SentencePiece model";
    if (model.modelType !== ModelType.BPE) {
      const type = Object.entries(ModelType).find(([, v]) => v === model.modelType)?.[0] ?? String(model.modelType);
      throw new UserError(
        `Cannot use ${name} of type "${type}": only BPE models (as Llama 2's) are supported; pass token ids with --ids`,
      );
    }
    const n = model.normalizer;
    if (n.precompiledCharsmapLength > 0) {
      throw new UserError(
        `Cannot use ${name} with normalization rule "${n.name}": only the "identity" rule (no compiled ` +
          `normalization, as Llama 2's) is supported; pass token ids with --ids`,
      );
    }
    if (model.treatWhitespaceAsSuffix) {
      throw new UserError(`Cannot use ${name} with treat_whitespace_as_suffix: it is not supported`);
    }
    this.vocabSize = model.pieces.length;
    const ownId = (id: number) => (id >= 0 && id < this.vocabSize ? id : null);
    this.bosId = special.bosId !== undefined ? special.bosId : ownId(model.bosId);
    this.eosId = special.eosId !== undefined ? special.eosId : ownId(model.eosId);
    model.pieces.forEach((p, id) => {
      const t = p.type;
      if (t === PieceType.NORMAL || t === PieceType.USER_DEFINED || t === PieceType.UNUSED) {
        if (!this.mergeable.has(p.piece)) this.mergeable.set(p.piece, id);
      }
      const b = t === PieceType.BYTE ? parseBytePiece(p.piece) : null;
      if (b !== null) this.byteIds[b] = id;
    });
    this.userDefined = model.pieces.filter((p) => p.type === PieceType.USER_DEFINED).map((p) => p.piece)
      .sort((a, b) => b.length - a.length);
    for (const u of this.userDefined) this.frozen.add(this.mergeable.get(u)!);
    this.mergeOf = memoizePairs((l, r) => {
      if (l < 0 || r < 0 || this.frozen.has(l) || this.frozen.has(r)) return undefined;
      const id = this.mergeable.get(model.pieces[l].piece + model.pieces[r].piece);
      return id === undefined ? undefined : { priority: -model.pieces[id].score, id };
    }, this.vocabSize);
    if (model.byteFallback && this.byteIds.filter((x) => x !== undefined).length !== 256) {
      throw new UserError(`Cannot use ${name}: byte_fallback is on but not all 256 <0xNN> byte pieces are present`);
    }
  }

  /** The text as SentencePiece's normalizer writes it (spaces as ▁, dummy prefix). */
  normalize(text: string): string {
    const n = this.model.normalizer;
    let s = wellFormed(text);
    if (n.removeExtraWhitespaces) s = s.replace(/ +/g, " ").replace(/^ | $/g, "");
    if (s === "") return "";
    if (n.addDummyPrefix) s = " " + s;
    return n.escapeWhitespaces ? s.replaceAll(" ", SPACE) : s;
  }

  /** Text to ids (BOS in front unless `{ bos: false }`). */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    const { pieces } = this.model;
    // Symbols: ids of known characters; unknown characters get ids -1, -2, ... into `unknown`
    const unknown: string[] = [];
    const symbols: number[] = [];
    const normalized = this.normalize(text);
    for (let i = 0; i < normalized.length;) {
      const user = this.userDefined.find((u) => normalized.startsWith(u, i));
      const ch = user ?? String.fromCodePoint(normalized.codePointAt(i)!);
      const id = this.mergeable.get(ch);
      if (id === undefined) symbols.push(-unknown.push(ch)); // -1 for unknown[0], -2 for unknown[1], ...
      else symbols.push(id);
      i += ch.length;
    }
    const unusedSplit = new Map<number, [number, number]>(); // SentencePiece's rev_merge
    const merged = mergeByPriority(symbols, (l, r) => {
      const m = this.mergeOf(l, r);
      if (m && pieces[m.id].type === PieceType.UNUSED) unusedSplit.set(m.id, [l, r]);
      return m;
    });
    const out: number[] = [];
    const emit = (id: number): void => {
      const split = pieces[id]?.type === PieceType.UNUSED ? unusedSplit.get(id) : undefined;
      if (split) split.forEach(emit);
      else out.push(id);
    };
    let unknownRun = "";
    const flushUnknown = () => {
      if (unknownRun === "") return;
      if (this.model.byteFallback) { for (const b of utf8Bytes(unknownRun)) out.push(this.byteIds[b]); }
      else out.push(this.model.unkId);
      unknownRun = "";
    };
    for (const id of merged) {
      if (id < 0) unknownRun += unknown[-1 - id];
      else {
        flushUnknown();
        emit(id);
      }
    }
    flushUnknown();
    return (opts.bos ?? true) && this.bosId !== null ? [this.bosId, ...out] : out;
  }

  /** Ids to text as SentencePiece's `Decode()`: control pieces vanish, leading dummy-prefix space dropped. */
  decode(ids: readonly number[]): string {
    checkIds(ids, this.vocabSize, this.kind);
    const { pieces, normalizer: n } = this.model;
    let text = "", bytes: number[] = [];
    let isBosWs = true, bosWsSeen = false;
    for (const id of ids) {
      const { piece, type } = pieces[id];
      const b = type === PieceType.BYTE ? parseBytePiece(piece) : null;
      if (b !== null) {
        bytes.push(b);
        continue;
      }
      text += decodeUtf8PerByte(bytes);
      bytes = [];
      if (bosWsSeen || text !== "") isBosWs = false;
      bosWsSeen = false;
      if (id === this.bosId || id === this.eosId || type === PieceType.CONTROL) continue;
      if (type === PieceType.UNKNOWN) {
        text += id === this.model.unkId ? this.model.unkSurface : piece;
        continue;
      }
      let p = piece;
      if (isBosWs && (n.addDummyPrefix || n.removeExtraWhitespaces) && p.startsWith(SPACE)) {
        p = p.slice(SPACE.length);
        bosWsSeen = !n.removeExtraWhitespaces;
      }
      text += p.replaceAll(SPACE, " ");
    }
    return text + decodeUtf8PerByte(bytes);
  }
}
