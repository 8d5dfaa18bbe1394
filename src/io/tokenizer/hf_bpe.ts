/**
 * Hugging Face `tokenizer.json` with a BPE model: byte-level (GPT-2, Llama 3, Qwen2) and
 * SentencePiece-style (Llama 2: `byte_fallback`, `▁` for spaces).
 *
 * `encode()` runs the stages of Rust `tokenizers`:
 * 1. added tokens (`added_tokens`) are cut out of the raw text first and become their ids
 *    (those with `normalized: true` are matched after normalization, as in `tokenizers`);
 * 2. each remaining segment is normalized and pre-tokenized (`_hf_pipeline.ts`);
 * 3. each piece goes through the BPE model: characters to ids (`<0xNN>` byte pieces for an
 *    unknown character with `byte_fallback`, else `unk_token`), then merges by rank, the
 *    lowest rank first and the leftmost among equals (`_bpe_merge.ts`);
 * 4. the post-processor's special tokens (TemplateProcessing, Roberta/BertProcessing) go
 *    around the ids unless `{ bos: false }`.
 *
 * `merges` may be "a b" strings or ["a", "b"] pairs. Not supported: `dropout` (ignored,
 * encoding is deterministic), other model types (WordPiece, Unigram, WordLevel).
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { type Merge, mergeByPriority } from "./_bpe_merge.ts";
import { checkIds, wellFormed } from "./_common.ts";
import { compileDecoder } from "./_hf_decoders.ts";
import { bad, escapeRegex, flag, list, type Spec, str } from "./_hf_json.ts";
import {
  compileNormalizer,
  compilePreTokenizer,
  type Normalize,
  postProcessorIds,
  type PreTokenize,
} from "./_hf_pipeline.ts";
import { bytePiece, utf8Bytes } from "./_utf8.ts";
import type { EncodeOptions, Tokenizer, TokenizerConfig } from "./tokenizer.ts";

interface AddedToken {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

/** A piece of input text, or an added token already resolved to its id. */
type Segment = { text: string; atStart: boolean; id?: number };

/** A tokenizer.json BPE tokenizer (see the module doc). */
export class HfBpeTokenizer implements Tokenizer {
  readonly kind = "hf-bpe";
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  private readonly vocab = new Map<string, number>();
  private readonly tokenOf: string[] = [];
  private readonly merges = new Map<number, Merge>();
  /** The BPE model's options, as `tokenizers` names them. */
  private readonly options: {
    unk?: number;
    fuseUnk: boolean;
    byteFallback: boolean;
    ignoreMerges: boolean;
    prefix: string;
    suffix: string;
  };
  private readonly normalize: Normalize;
  private readonly preTokenize: PreTokenize;
  private readonly decodeTokens: (tokens: string[]) => string;
  private readonly prefix: number[];
  private readonly suffix: number[];
  private readonly rawAdded: RegExp | null;
  private readonly normalizedAdded: RegExp | null;
  private readonly added = new Map<string, AddedToken>();
  private readonly cache = new Map<string, number[]>();

  /** Builds the tokenizer from the parsed JSON; config.json's `eos_token_id` names the EOS. */
  constructor(json: Spec, config: TokenizerConfig = {}) {
    const model = (json.model ?? {}) as Spec;
    if (model.type !== "BPE" && !(model.type === undefined && Array.isArray(model.merges))) {
      throw bad("model", `has type "${model.type}"; only "BPE" models are supported`);
    }
    const checkId = (id: unknown, token: string, where: string) => {
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= 2 ** 24) {
        throw bad(where, `gives token ${JSON.stringify(token)} the id ${JSON.stringify(id)}; ids are integers from 0`);
      }
    };
    for (const [token, id] of Object.entries((model.vocab ?? {}) as Record<string, number>)) {
      checkId(id, token, "model.vocab");
      this.vocab.set(token, id);
      this.tokenOf[id] = token;
    }
    for (const t of list(json, "added_tokens", "added_tokens") as unknown as AddedToken[]) {
      if (typeof t?.content !== "string") {
        throw bad("added_tokens", `has an entry without "content": ${JSON.stringify(t)}`);
      }
      checkId(t.id, t.content, "added_tokens");
      this.added.set(t.content, t);
      this.tokenOf[t.id] = t.content;
    }
    const unkToken = model.unk_token == null ? undefined : str(model, "unk_token", "model");
    const unk = unkToken === undefined ? undefined : this.vocab.get(unkToken);
    if (unkToken !== undefined && unk === undefined) {
      throw bad("model", `has unk_token ${JSON.stringify(unkToken)}, which is not in its vocab`);
    }
    this.options = {
      unk,
      fuseUnk: flag(model, "fuse_unk", false),
      byteFallback: flag(model, "byte_fallback", false),
      ignoreMerges: flag(model, "ignore_merges", false),
      prefix: typeof model.continuing_subword_prefix === "string" ? model.continuing_subword_prefix : "",
      suffix: typeof model.end_of_word_suffix === "string" ? model.end_of_word_suffix : "",
    };
    this.vocabSize = this.tokenOf.length;
    list(model, "merges", "model").forEach((m, rank) => this.addMerge(m as unknown, rank));

    this.normalize = compileNormalizer(json.normalizer as Spec | null);
    this.preTokenize = compilePreTokenizer(json.pre_tokenizer as Spec | null);
    this.decodeTokens = compileDecoder(json.decoder as Spec | null);
    [this.prefix, this.suffix] = postProcessorIds(json.post_processor as Spec | null);
    const added = [...this.added.values()];
    this.rawAdded = alternation(added.filter((t) => !t.normalized).map((t) => t.content));
    this.normalizedAdded = alternation(added.filter((t) => t.normalized).map((t) => this.normalize(t.content)));

    this.bosId = this.prefix[0] ?? null;
    const eos = config.eos_token_id;
    this.eosId = eos !== undefined ? (Array.isArray(eos) ? eos[0] ?? null : eos) : this.suffix.at(-1) ?? null;
  }

  /** Text to ids (the post-processor's special tokens around them unless `{ bos: false }`). */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    for (const raw of this.splitAdded([{ text: wellFormed(text), atStart: true }], this.rawAdded)) {
      if (raw.id !== undefined) {
        ids.push(raw.id);
        continue;
      }
      const normalized = { ...raw, text: this.normalize(raw.text) };
      for (const seg of this.splitAdded([normalized], this.normalizedAdded)) {
        if (seg.id !== undefined) ids.push(seg.id);
        else for (const piece of this.preTokenize([seg])) for (const id of this.bpe(piece.text)) ids.push(id);
      }
    }
    return (opts.bos ?? true) ? [...this.prefix, ...ids, ...this.suffix] : ids;
  }

  /** Ids to text through the tokenizer's decoder (BOS and EOS dropped). */
  decode(ids: readonly number[]): string {
    checkIds(ids, this.vocabSize, this.kind);
    const tokens = ids.filter((id) => id !== this.bosId && id !== this.eosId).map((id) => this.tokenOf[id])
      .filter((t) => t !== undefined);
    return this.decodeTokens(tokens);
  }

  private addMerge(m: unknown, rank: number): void {
    const [a, b] = typeof m === "string"
      ? splitOnce(m)
      : Array.isArray(m) && m.length === 2
      ? m
      : [undefined, undefined];
    if (typeof a !== "string" || typeof b !== "string") {
      throw bad("model.merges", `has entry ${JSON.stringify(m)} at rank ${rank}; expected "a b" or ["a", "b"]`);
    }
    const left = this.vocab.get(a), right = this.vocab.get(b), merged = this.vocab.get(a + b);
    if (left === undefined || right === undefined || merged === undefined) {
      throw bad(
        "model.merges",
        `has merge ${JSON.stringify([a, b])} (rank ${rank}) whose tokens are not all in the vocabulary`,
      );
    }
    const key = left * this.vocabSize + right;
    if (!this.merges.has(key)) this.merges.set(key, { priority: rank, id: merged });
  }

  /** Cuts added tokens out of segments that are still text (leftmost, longest first). */
  private splitAdded(segments: Segment[], re: RegExp | null): Segment[] {
    if (re === null) return segments;
    const out: Segment[] = [];
    for (const seg of segments) {
      if (seg.id !== undefined) {
        out.push(seg);
        continue;
      }
      const s = seg.text;
      let offset = 0;
      for (const m of s.matchAll(re)) {
        const token = this.added.get(m[0]) ?? [...this.added.values()].find((t) => this.normalize(t.content) === m[0])!;
        let start = m.index, stop = m.index + m[0].length;
        if (start < offset) continue;
        if (token.single_word && (/[\p{L}\p{N}_]$/u.test(s.slice(0, start)) || /^[\p{L}\p{N}_]/u.test(s.slice(stop)))) {
          continue;
        }
        if (token.lstrip) start = Math.max(offset, start - (/\s*$/u.exec(s.slice(0, start))![0].length));
        if (token.rstrip) stop += /^\s*/u.exec(s.slice(stop))![0].length;
        if (start > offset) out.push({ text: s.slice(offset, start), atStart: seg.atStart && offset === 0 });
        out.push({ text: s.slice(start, stop), atStart: false, id: token.id });
        offset = stop;
      }
      if (offset < s.length) out.push({ text: s.slice(offset), atStart: seg.atStart && offset === 0 });
    }
    return out;
  }

  /** One pre-tokenized piece through the BPE model (`merge_word` of `tokenizers`). */
  private bpe(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const whole = this.options.ignoreMerges ? this.vocab.get(word) : undefined;
    const ids = whole !== undefined
      ? [whole]
      : mergeByPriority(this.symbols(word), (l, r) => this.merges.get(l * this.vocabSize + r));
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }

  /** The characters of a word as ids, before merges. */
  private symbols(word: string): number[] {
    const { unk, fuseUnk, byteFallback, prefix, suffix } = this.options;
    const chars = [...word], ids: number[] = [];
    let pendingUnk = false;
    chars.forEach((c, i) => {
      const s = (i > 0 ? prefix : "") + c + (i === chars.length - 1 ? suffix : "");
      const id = this.vocab.get(s);
      if (id !== undefined) {
        if (pendingUnk) ids.push(unk!);
        pendingUnk = false;
        ids.push(id);
        return;
      }
      const bytes = byteFallback ? Array.from(utf8Bytes(s), (b) => this.vocab.get(bytePiece(b))) : [];
      if (bytes.length > 0 && bytes.every((b) => b !== undefined)) ids.push(...(bytes as number[]));
      else if (unk !== undefined) { // as tokenizers, a character without unk_token is dropped
        if (pendingUnk && !fuseUnk) ids.push(unk);
        pendingUnk = true;
      }
    });
    if (pendingUnk) ids.push(unk!);
    return ids;
  }
}

function splitOnce(merge: string): [string, string] | [undefined, undefined] {
  const i = merge.indexOf(" ");
  return i < 0 ? [undefined, undefined] : [merge.slice(0, i), merge.slice(i + 1)];
}

/** One regex matching any of `contents`, longest first (leftmost-longest, as aho-corasick in tokenizers). */
function alternation(contents: string[]): RegExp | null {
  const sorted = contents.filter((c) => c !== "").sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return null;
  return new RegExp(sorted.map(escapeRegex).join("|"), "gu");
}

/** Parses tokenizer.json text (see {@link HfBpeTokenizer}). */
export function parseHfTokenizer(text: string, config: TokenizerConfig = {}, name = "tokenizer.json"): HfBpeTokenizer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`Cannot read "${name}": it is not valid JSON (${(e as Error).message}); replace the file`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new UserError(`Cannot read "${name}": expected a JSON object with a "model", found ${typeof json}`);
  }
  return new HfBpeTokenizer(json as Spec, config);
}
