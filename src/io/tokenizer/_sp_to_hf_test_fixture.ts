/**
 * Test-fixture converter: a SentencePiece BPE model to a Llama-2-style `tokenizer.json`, as
 * Hugging Face transformers' `LlamaConverter` (`convert_slow_tokenizer.py`) writes it.
 *
 * It makes the SentencePiece-style fixtures of `testdata/tokenizers/` (there is no
 * tokenizer.json among the shared models); the ids those fixtures must give come from
 * SentencePiece itself and from Hugging Face `tokenizers` (see testdata/tokenizers/PROVENANCE.md),
 * never from this file.
 *
 * - vocab: every piece with its id; merges: for each piece, in descending score, every split
 *   into two pieces of the vocabulary (`SentencePieceExtractor.extract`);
 * - legacy (Llama 2 as published): normalizer Prepend("▁") + Replace(" " → "▁"), no pre-tokenizer;
 *   not legacy: a Metaspace pre-tokenizer (prepend_scheme "first", split false), no normalizer;
 * - `<unk>`, `<s>`, `</s>` added as special tokens; TemplateProcessing puts `<s>` in front;
 * - decoder: Replace("▁" → " "), ByteFallback, Fuse, Strip one leading space.
 * One deliberate difference: `byte_fallback` is the model's own (transformers always sets true;
 * the result is the same, since a model without byte fallback has no `<0xNN>` pieces).
 *
 * Usage: `deno run -A src/io/tokenizer/_sp_to_hf_test_fixture.ts IN.model OUT.json [--no-legacy] [--pair-merges]`
 *
 * @module
 */

import { writeFileSync } from "node:fs";
import { loadSentencePieceModel, PieceType, type SentencePieceModel } from "./sentencepiece_model.ts";

/** How to write the tokenizer.json. */
export interface ConvertOptions {
  /** Llama 2's published form (normalizer) instead of the newer Metaspace pre-tokenizer (default true). */
  legacy?: boolean;
  /** Merges as ["a", "b"] pairs (newer tokenizers) instead of "a b" strings (default false). */
  pairMerges?: boolean;
}

/** The merges transformers derives from a SentencePiece BPE vocabulary, best first. */
function extractMerges(model: SentencePieceModel): [string, string][] {
  const id = new Map(model.pieces.map((p, i) => [p.piece, i] as const));
  const merges: { left: string; right: string; score: number }[] = [];
  for (const { piece, score } of model.pieces) {
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
          { type: "Prepend", prepend: "\u2581" },
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
      vocab: Object.fromEntries(model.pieces.map((p, i) => [p.piece, i])),
      merges: opts.pairMerges ? merges : merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

if (import.meta.main) {
  const [input, output, ...flags] = (globalThis as unknown as { Deno: { args: string[] } }).Deno.args;
  const json = sentencePieceToHfJson(loadSentencePieceModel(input), {
    legacy: !flags.includes("--no-legacy"),
    pairMerges: flags.includes("--pair-merges"),
  });
  writeFileSync(output, JSON.stringify(json, null, 2) + "\n");
  console.log(`wrote ${output}`);
}
