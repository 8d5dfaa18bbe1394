/**
 * Hugging Face `tokenizer.json` + `tokenizer_config.json` for a folder whose tokenizer is a
 * SentencePiece BPE `tokenizer.model` or a llama2.c `tokenizer.bin` / `tok*.bin`, so a pruned
 * folder is usable by `AutoTokenizer`. The layout is the one transformers' `LlamaConverter`
 * (`convert_slow_tokenizer.py`) writes for Llama 2:
 *
 * - vocab: every piece with its id; merges: for each piece, in descending score, every split
 *   into two pieces of the vocabulary (`SentencePieceExtractor.extract`);
 * - legacy (Llama 2 as published): normalizer Prepend("▁") + Replace(" " → "▁"), no pre-tokenizer;
 *   not legacy: a Metaspace pre-tokenizer (prepend_scheme "first", split false), no normalizer;
 * - `<unk>`, `<s>`, `</s>` added as special tokens; TemplateProcessing puts `<s>` in front;
 * - decoder: Replace("▁" → " "), ByteFallback, Fuse, Strip one leading space.
 *
 * Differences from transformers, each toward the source tokenizer's own ids: `byte_fallback` is
 * the model's own (the result is the same: a model without byte fallback has no `<0xNN>`
 * pieces); pieces that are never built by merging (control, byte, unknown) get no merges; with
 * `exact`, `remove_extra_whitespaces` and `add_dummy_prefix` are carried as normalizers.
 * A llama2.c file is read as the SentencePiece BPE model it was exported from (`▁` stored as a
 * space, ids 0-2 `<unk>` `<s>` `</s>`, scores kept). Known differences that remain (by design of
 * tokenizer.json): literal `<s>`, `</s>`, `<unk>` in a text are special tokens; a literal `▁` is a
 * space; a llama2.c vocabulary without byte pieces gives `<unk>` where run.c gives byte + 3.
 *
 * @module
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { RawConfig } from "../config_json.ts";
import type { Llama2cTokenizer } from "./llama2c.ts";
import { loadLlama2cTokenizer, loadSentencePieceModel } from "./load.ts";
import { ModelType, PieceType, type SentencePiece, type SentencePieceModel } from "./sentencepiece_model.ts";

/** How to write the tokenizer.json. */
export interface ConvertOptions {
  /** Llama 2's published form (normalizer) instead of the newer Metaspace pre-tokenizer (default true). */
  legacy?: boolean;
  /** Merges as ["a", "b"] pairs (newer tokenizers) instead of "a b" strings (default false). */
  pairMerges?: boolean;
  /**
   * Also carry what transformers' converter drops, so the ids equal SentencePiece's own (default
   * false, transformers' output): `remove_extra_whitespaces` as Replace normalizers (runs of
   * spaces squeezed, leading and trailing ones removed) and `add_dummy_prefix` false as no Prepend.
   */
  exact?: boolean;
}

/** The merges transformers derives from a SentencePiece BPE vocabulary, best first. */
export function extractMerges(model: SentencePieceModel): [string, string][] {
  const id = new Map<string, number>();
  model.pieces.forEach((p, i) => id.has(p.piece) || id.set(p.piece, i));
  const merges: { left: string; right: string; score: number }[] = [];
  for (const { piece, score, type } of model.pieces) {
    if (type !== PieceType.NORMAL && type !== PieceType.USER_DEFINED) continue; // never built by merging
    const chars = [...piece];
    const local: { left: string; right: string; score: number }[] = [];
    for (let k = 1; k < chars.length; k++) {
      const left = chars.slice(0, k).join(""), right = chars.slice(k).join("");
      if (id.has(left) && id.has(right)) local.push({ left, right, score });
    }
    local.sort((a, b) => id.get(a.left)! - id.get(b.left)! || id.get(a.right)! - id.get(b.right)!);
    merges.push(...local);
  }
  merges.sort((a, b) => b.score - a.score); // stable, as Python's sorted(reverse=True)
  return merges.map((m) => [m.left, m.right]);
}

/** The tokenizer.json object for a SentencePiece BPE model. */
export function sentencePieceToHfJson(model: SentencePieceModel, opts: ConvertOptions = {}): Record<string, unknown> {
  const legacy = opts.legacy ?? true;
  const piece = (id: number) => model.pieces[id].piece;
  const special = [model.unkId, model.bosId, model.eosId].filter((id) => id >= 0).map((id) => ({
    id,
    content: piece(id),
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const bos = piece(model.bosId);
  const seq = (id: string) => ({ Sequence: { id, type_id: 0 } });
  const tok = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  const merges = extractMerges(model);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: special,
    normalizer: legacy
      ? {
        type: "Sequence",
        normalizers: [
          ...(opts.exact && model.normalizer.removeExtraWhitespaces
            ? [
              { type: "Replace", pattern: { Regex: " {2,}" }, content: " " },
              { type: "Replace", pattern: { Regex: "^ | $" }, content: "" },
            ]
            : []),
          ...(opts.exact && !model.normalizer.addDummyPrefix ? [] : [{ type: "Prepend", prepend: "\u2581" }]),
          { type: "Replace", pattern: { String: " " }, content: "\u2581" },
        ],
      }
      : null,
    pre_tokenizer: legacy ? null : { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: false },
    post_processor: {
      type: "TemplateProcessing",
      single: [tok(bos), seq("A")],
      pair: [tok(bos), seq("A"), tok(bos), seq("B")],
      special_tokens: { [bos]: { id: bos, ids: [model.bosId], tokens: [bos] } },
    },
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: "\u2581" }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        { type: "Strip", content: " ", start: 1, stop: 0 },
      ],
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: model.pieces.find((p) => p.type === PieceType.UNKNOWN)?.piece ?? null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: model.byteFallback,
      ignore_merges: false,
      vocab: firstIds(model.pieces),
      merges: opts.pairMerges ? merges : merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** piece → id, in id order; a piece spelled twice keeps its first id (as the encoders look it up). */
function firstIds(pieces: readonly SentencePiece[]): Record<string, number> {
  const vocab: Record<string, number> = {};
  pieces.forEach((p, i) => Object.hasOwn(vocab, p.piece) || (vocab[p.piece] = i));
  return vocab;
}

/**
 * The SentencePiece BPE model a llama2.c tokenizer was exported from: pieces with `▁` for the
 * space, ids 0-2 `<unk>` `<s>` `</s>`, `<0xNN>` byte pieces (byte fallback when ids 3..258 are
 * exactly those), scores kept.
 */
export function llama2cAsSentencePiece(tok: Llama2cTokenizer): SentencePieceModel {
  const utf8 = new TextDecoder();
  const byteFallback = tok.vocabSize >= 259 &&
    Array.from({ length: 256 }, (_, b) => tok.pieces[b + 3]).every((p, b) =>
      p === `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`
    );
  const pieces: SentencePiece[] = tok.pieces.map((binary, id) => {
    if (id <= 2) {
      return { piece: ["<unk>", "<s>", "</s>"][id], score: 0, type: id === 0 ? PieceType.UNKNOWN : PieceType.CONTROL };
    }
    if (/^<0x[0-9A-F]{2}>$/.test(binary)) return { piece: binary, score: tok.scores[id], type: PieceType.BYTE };
    const text = utf8.decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    // run.c merges only into pieces scoring above -1e10: others are never built by merging.
    const type = tok.scores[id] > Math.fround(-1e10) ? PieceType.NORMAL : PieceType.UNUSED;
    return { piece: text.replaceAll(" ", "\u2581"), score: tok.scores[id], type };
  });
  return {
    pieces,
    modelType: ModelType.BPE,
    byteFallback,
    treatWhitespaceAsSuffix: false,
    unkId: 0,
    bosId: tok.bosId ?? 1,
    eosId: tok.eosId ?? 2,
    padId: -1,
    unkSurface: " \u2047 ",
    normalizer: {
      name: "identity",
      precompiledCharsmapLength: 0,
      addDummyPrefix: true, // run.c prepends " " to non-empty text
      removeExtraWhitespaces: false,
      escapeWhitespaces: true,
    },
  };
}

/**
 * `tokenizer.json` and `tokenizer_config.json` (name → text) for folder `dir`, or null when it
 * needs none (it has a tokenizer.json) or has no SentencePiece BPE / llama2.c tokenizer to export.
 */
export function exportHfTokenizer(dir: string, config: RawConfig): Record<string, string> | null {
  if (existsSync(join(dir, "tokenizer.json"))) return null;
  let model: SentencePieceModel | null = null;
  if (existsSync(join(dir, "tokenizer.model"))) {
    const sp = loadSentencePieceModel(join(dir, "tokenizer.model"));
    if (sp.modelType === ModelType.BPE) model = sp;
  } else {
    const bins = existsSync(join(dir, "tokenizer.bin"))
      ? ["tokenizer.bin"]
      : readdirSync(dir).filter((f) => /^tok.*\.bin$/.test(f));
    if (bins.length === 1) {
      const vocabSize = typeof config.vocab_size === "number" ? config.vocab_size : undefined;
      model = llama2cAsSentencePiece(loadLlama2cTokenizer(join(dir, bins[0]), { vocabSize }));
    }
  }
  if (model === null) return null;
  const json = sentencePieceToHfJson(model, { exact: true });
  const piece = (id: number) => (id >= 0 ? model!.pieces[id].piece : null);
  const maxLength = config.max_position_embeddings ?? config.model_max_length;
  const tokenizerConfig = {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: piece(model.bosId),
    eos_token: piece(model.eosId),
    unk_token: piece(model.unkId),
    pad_token: null,
    clean_up_tokenization_spaces: false,
    model_max_length: typeof maxLength === "number" ? maxLength : 2048,
    tokenizer_class: "PreTrainedTokenizerFast",
  };
  return {
    "tokenizer.json": JSON.stringify(json, null, 2) + "\n",
    "tokenizer_config.json": JSON.stringify(tokenizerConfig, null, 2) + "\n",
  };
}
