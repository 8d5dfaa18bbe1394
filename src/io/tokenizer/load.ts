/**
 * Finds and reads the tokenizer of a model folder.
 *
 * @module
 */

import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../errors.ts";
import { specialIds } from "./_common.ts";
import { BytesTokenizer } from "./bytes.ts";
import { loadHfTokenizer } from "./hf_bpe.ts";
import { loadLlama2cTokenizer } from "./llama2c.ts";
import { loadSentencePieceModel } from "./sentencepiece_model.ts";
import { SentencePieceTokenizer } from "./sentencepiece.ts";
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
  const path = (name: string) => join(dir, name);
  if (existsSync(path("tokenizer.json"))) return loadHfTokenizer(regularFile(path("tokenizer.json")), config);
  if (existsSync(path("tokenizer.model"))) {
    const model = loadSentencePieceModel(regularFile(path("tokenizer.model")));
    const own = (id: number) => (id >= 0 && id < model.pieces.length ? id : null);
    return new SentencePieceTokenizer(model, specialIds(config, { bos: own(model.bosId), eos: own(model.eosId) }));
  }
  const bins = existsSync(path("tokenizer.bin"))
    ? ["tokenizer.bin"]
    : readdirSync(dir).filter((f) => /^tok.*\.bin$/.test(f)).sort();
  if (bins.length > 1) {
    throw new UserError(
      `Cannot choose a tokenizer in "${dir}": found ${bins.map((b) => `"${b}"`).join(", ")}; ` +
        `keep one, or name the right one tokenizer.bin`,
    );
  }
  if (bins.length === 1) {
    const { bosId, eosId } = specialIds(config, { bos: 1, eos: 2 });
    return loadLlama2cTokenizer(regularFile(path(bins[0])), { vocabSize: config.vocab_size, bosId, eosId });
  }
  if (config.tokenizer === "bytes") return new BytesTokenizer();
  if (config.tokenizer !== undefined) {
    throw new UserError(
      `Cannot use "tokenizer": ${JSON.stringify(config.tokenizer)} in the config of "${dir}": the only value ` +
        `understood is "bytes"; remove it, add a tokenizer file, or pass token ids with --ids`,
    );
  }
  throw new UserError(
    `No tokenizer found in "${dir}": looked for tokenizer.json, tokenizer.model, tokenizer.bin, tok*.bin ` +
      `and "tokenizer": "bytes" in config.json; add one of them, or pass token ids with --ids`,
  );
}

/** `path`, after checking it is a regular file (a folder or a pipe there would fail or block the read). */
function regularFile(path: string): string {
  const st = statSync(path);
  if (!st.isFile()) {
    throw new UserError(
      `Cannot read tokenizer "${path}": it is ${st.isDirectory() ? "a folder" : "a device or a pipe"}, not a file`,
    );
  }
  return path;
}
