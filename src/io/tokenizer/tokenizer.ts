/**
 * The one tokenizer contract every format in this folder implements.
 *
 * A model folder carries its tokenizer in one of four forms (see {@link loadTokenizer} in
 * `load.ts`): Hugging Face `tokenizer.json`, SentencePiece `tokenizer.model`, llama2.c
 * `tokenizer.bin`, or `"tokenizer": "bytes"` in config.json. They all become a
 * {@link Tokenizer}.
 *
 * Conventions shared by every kind:
 * - `encode()` adds the tokenizer's BOS (when it has one) unless `{ bos: false }`.
 * - `decode()` drops BOS and EOS ids and reassembles byte-fallback pieces into UTF-8.
 * - A lone UTF-16 surrogate in the input text is read as U+FFFD (no format can store it).
 * - An id that is not an integer in `[0, vocabSize)` is a {@link UserError} in `decode()`.
 *
 * @module
 */

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /**
   * Add the tokenizer's BOS in front (default true when it has one, as llama2.c and Hugging
   * Face Llama do). For `hf-bpe` this switches all special tokens of the post-processor's
   * template, like Hugging Face's `add_special_tokens`.
   */
  bos?: boolean;
}

/** Text to token ids and back. */
export interface Tokenizer {
  /** Which file format this tokenizer was read from. */
  readonly kind: "llama2c" | "sentencepiece" | "hf-bpe" | "bytes";
  /** Number of ids: every id of `encode()` is below it. */
  readonly vocabSize: number;
  /** Id put in front by `encode()`; null when the tokenizer adds none. */
  readonly bosId: number | null;
  /** End-of-sequence id (dropped by `decode()`); null when there is none. */
  readonly eosId: number | null;
  /** Text to ids. `bos` defaults to true when the tokenizer has a BOS (as llama2.c / HF Llama do). */
  encode(text: string, opts?: EncodeOptions): number[];
  /** Ids to text (BOS/EOS dropped; byte-fallback pieces reassembled into UTF-8, invalid sequences as U+FFFD). */
  decode(ids: readonly number[]): string;
}

/** The fields of a model's config.json that choose and configure its tokenizer. */
export interface TokenizerConfig {
  /** `"bytes"`: ids are the UTF-8 bytes of the text. */
  tokenizer?: string;
  /** BOS id; `null` says the tokenizer adds none. Absent: the tokenizer file decides. */
  bos_token_id?: number | null;
  /** EOS id (the first one when a list). Absent: the tokenizer file decides. */
  eos_token_id?: number | number[] | null;
  /** Number of ids; llama2.c's `tokenizer.bin` does not store it. */
  vocab_size?: number;
}
