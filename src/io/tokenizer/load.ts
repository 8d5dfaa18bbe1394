/**
 * Reads tokenizers from files on disk (the Deno/Node/Bun adapter of folder.ts, which chooses
 * the file and parses its bytes wherever they come from).
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../errors.ts";
import { chooseTokenizerFile, parseTokenizerFile, tokenizerWithoutFile } from "./folder.ts";
import { type HfBpeTokenizer, parseHfTokenizer } from "./hf_bpe.ts";
import { type Llama2cTokenizer, parseLlama2cTokenizer } from "./llama2c.ts";
import { SentencePieceTokenizer } from "./sentencepiece.ts";
import { parseSentencePieceModel, type SentencePieceModel } from "./sentencepiece_model.ts";
import type { Tokenizer, TokenizerConfig } from "./tokenizer.ts";

/**
 * Finds the tokenizer in a model folder: tokenizer.json, else tokenizer.model, else
 * tokenizer.bin / tok*.bin, else config "tokenizer": "bytes".
 *
 * `config` is the model's config.json: `bos_token_id` / `eos_token_id` override the
 * tokenizer file's own special ids (for `hf-bpe` the BOS is the post-processor's, and only
 * the EOS is taken from config), and `vocab_size` is the number of pieces of a llama2.c file.
 *
 * @example
 * ```ts
 * const tok = loadTokenizer("testdata/models/stories260K", { vocab_size: 512, bos_token_id: 1, eos_token_id: 2 });
 * tok.encode("Once upon a time"); // [1, 403, 407, 261, 378]
 * ```
 */
export function loadTokenizer(dir: string, config: TokenizerConfig): Tokenizer {
  if (!existsSync(dir)) throw new UserError(`Cannot load a tokenizer from "${dir}": the folder does not exist`);
  const choice = chooseTokenizerFile(readdirSync(dir), dir);
  if (!choice) return tokenizerWithoutFile(config, dir);
  const path = join(dir, choice.file);
  return parseTokenizerFile(choice.kind, readBytes(path), config, path);
}

/**
 * Reads a Hugging Face `tokenizer.json` file with a BPE model.
 *
 * @example
 * ```ts
 * const tok = loadHfTokenizer("testdata/tokenizers/hf_gpt2_2048.json");
 * tok.decode(tok.encode("Hello world")); // "Hello world"
 * ```
 */
export function loadHfTokenizer(path: string, config: TokenizerConfig = {}): HfBpeTokenizer {
  return parseHfTokenizer(readFileSync(path, "utf8"), config, path);
}

/**
 * Reads a llama2.c `tokenizer.bin` / `tok*.bin` file (see {@link parseLlama2cTokenizer}).
 *
 * @example
 * ```ts
 * const tok = loadLlama2cTokenizer("testdata/models/stories260K/tok512.bin", { vocabSize: 512 });
 * tok.encode("Once upon a time"); // [1, 403, 407, 261, 378]
 * tok.decode([1, 403, 407, 261, 378]); // "Once upon a time"
 * ```
 */
export function loadLlama2cTokenizer(
  path: string,
  opts: { vocabSize?: number; bosId?: number | null; eosId?: number | null } = {},
): Llama2cTokenizer {
  return parseLlama2cTokenizer(new Uint8Array(readFileSync(path)), { ...opts, name: path });
}

/** Reads a SentencePiece `.model` file (see {@link parseSentencePieceModel}). */
export function loadSentencePieceModel(path: string): SentencePieceModel {
  return parseSentencePieceModel(new Uint8Array(readFileSync(path)), path);
}

/**
 * Reads a SentencePiece `tokenizer.model` file into a {@link SentencePieceTokenizer}.
 *
 * @example
 * ```ts
 * const tok = loadSentencePieceTokenizer("testdata/models/babyllama105/original/tok105.model");
 * tok.encode("Hi!"); // [1, 3, 33, 10, 36]  (BOS, ▁, H, i, !)
 * ```
 */
export function loadSentencePieceTokenizer(
  path: string,
  special: { bosId?: number | null; eosId?: number | null } = {},
): SentencePieceTokenizer {
  return new SentencePieceTokenizer(loadSentencePieceModel(path), special);
}

/** The bytes of tokenizer file `path`, after checking it is a regular file (a folder or a pipe there would fail or block the read). */
function readBytes(path: string): Uint8Array {
  const st = statSync(path);
  if (!st.isFile()) {
    throw new UserError(
      `Cannot read tokenizer "${path}": it is ${st.isDirectory() ? "a folder" : "a device or a pipe"}, not a file`,
    );
  }
  return new Uint8Array(readFileSync(path));
}
