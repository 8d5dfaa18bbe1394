/**
 * The tokenizer of a model folder, wherever the folder is: which file holds it, and reading it
 * from that file's bytes. Built on the web platform only, so the browser page reads the same
 * tokenizers as the command line (`loadTokenizer` in load.ts is the file-system adapter; the
 * page reads a dropped folder or a URL through {@link readFolderTokenizer}).
 *
 * @module
 */
import { UserError } from "../../errors.ts";
import { isMissingFile } from "../byte_source.ts";
import type { FolderSource } from "../safetensors_source.ts";
import { specialIds } from "./_common.ts";
import { BytesTokenizer } from "./bytes.ts";
import { parseHfTokenizer } from "./hf_bpe.ts";
import { parseLlama2cTokenizer } from "./llama2c.ts";
import { SentencePieceTokenizer } from "./sentencepiece.ts";
import { parseSentencePieceModel } from "./sentencepiece_model.ts";
import type { Tokenizer, TokenizerConfig } from "./tokenizer.ts";

/** How a tokenizer file is read: `tokenizer.json`, `tokenizer.model`, or llama2.c's `tokenizer.bin` / `tok*.bin`. */
export type TokenizerFileKind = "hf-bpe" | "sentencepiece" | "llama2c";

/** A folder's tokenizer file and how to read it. */
export interface TokenizerFile {
  file: string;
  kind: TokenizerFileKind;
}

/**
 * Which of the files `names` of folder `folder` holds its tokenizer: tokenizer.json, else
 * tokenizer.model, else tokenizer.bin, else the one `tok*.bin`; null when none is there (then
 * config.json decides: {@link tokenizerWithoutFile}). Two `tok*.bin` files are an error.
 */
export function chooseTokenizerFile(names: readonly string[], folder: string): TokenizerFile | null {
  if (names.includes("tokenizer.json")) return { file: "tokenizer.json", kind: "hf-bpe" };
  if (names.includes("tokenizer.model")) return { file: "tokenizer.model", kind: "sentencepiece" };
  if (names.includes("tokenizer.bin")) return { file: "tokenizer.bin", kind: "llama2c" };
  const bins = names.filter((f) => /^tok.*\.bin$/.test(f)).sort();
  if (bins.length > 1) {
    throw new UserError(
      `Cannot choose a tokenizer in "${folder}": found ${bins.map((b) => `"${b}"`).join(", ")}; ` +
        `keep one, or name the right one tokenizer.bin`,
    );
  }
  return bins.length === 1 ? { file: bins[0], kind: "llama2c" } : null;
}

/**
 * Reads the tokenizer in `bytes` (file `name`, of kind `kind`). `config` is the model's
 * config.json: `bos_token_id` / `eos_token_id` override the file's own special ids (for
 * `hf-bpe` the BOS is the post-processor's, and only the EOS is taken from config), and
 * `vocab_size` is the number of pieces of a llama2.c file.
 */
export function parseTokenizerFile(
  kind: TokenizerFileKind,
  bytes: Uint8Array,
  config: TokenizerConfig,
  name: string,
): Tokenizer {
  if (kind === "hf-bpe") {
    return parseHfTokenizer(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes), config, name);
  }
  if (kind === "sentencepiece") {
    const model = parseSentencePieceModel(bytes, name);
    const own = (id: number) => (id >= 0 && id < model.pieces.length ? id : null);
    return new SentencePieceTokenizer(model, specialIds(config, { bos: own(model.bosId), eos: own(model.eosId) }));
  }
  const { bosId, eosId } = specialIds(config, { bos: 1, eos: 2 });
  return parseLlama2cTokenizer(bytes, { vocabSize: config.vocab_size, bosId, eosId, name });
}

/** The tokenizer of folder `folder` that has no tokenizer file: UTF-8 bytes for `"tokenizer": "bytes"`, else an error. */
export function tokenizerWithoutFile(config: TokenizerConfig, folder: string): Tokenizer {
  if (config.tokenizer === "bytes") return new BytesTokenizer();
  if (config.tokenizer !== undefined) {
    throw new UserError(
      `Cannot use "tokenizer": ${JSON.stringify(config.tokenizer)} in the config of "${folder}": the only value ` +
        `understood is "bytes"; remove it, add a tokenizer file, or pass token ids with --ids`,
    );
  }
  throw new UserError(
    `No tokenizer found in "${folder}": looked for tokenizer.json, tokenizer.model, tokenizer.bin, tok*.bin ` +
      `and "tokenizer": "bytes" in config.json; add one of them, or pass token ids with --ids`,
  );
}

/**
 * The tokenizer of `folder` (a dropped folder, a URL), chosen as {@link chooseTokenizerFile}
 * chooses. A folder that cannot be listed (a URL) is asked for tokenizer.json,
 * tokenizer.model, tokenizer.bin and `tok{vocab_size}.bin` (llama2.c's naming, tok512.bin for
 * 512 pieces) in that order; a file the server does not have (HTTP 404) counts as absent.
 * Returns the tokenizer and the file it was read from (its name in the folder and its bytes,
 * for a pruned copy of the folder), or null for a byte-level model.
 */
export async function readFolderTokenizer(
  folder: FolderSource,
  config: TokenizerConfig,
): Promise<{ tokenizer: Tokenizer; file: { name: string; bytes: Uint8Array } | null }> {
  let names = folder.list();
  if (names === null) {
    const candidates = ["tokenizer.json", "tokenizer.model", "tokenizer.bin"];
    if (config.vocab_size !== undefined) candidates.push(`tok${config.vocab_size}.bin`);
    names = [];
    for (const name of candidates) {
      const src = folder.file(name);
      if (!src) continue;
      try {
        await src.size();
      } catch (e) {
        if (isMissingFile(e)) continue;
        throw e;
      }
      names.push(name);
      break; // the first found is the one chosen
    }
  }
  const choice = chooseTokenizerFile(names, folder.name);
  if (!choice) return { tokenizer: tokenizerWithoutFile(config, folder.name), file: null };
  const src = folder.file(choice.file)!;
  const bytes = await src.read(0, await src.size());
  return { tokenizer: parseTokenizerFile(choice.kind, bytes, config, src.name), file: { name: choice.file, bytes } };
}
