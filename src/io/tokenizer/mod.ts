/**
 * Tokenizers: text to token ids and back, for every tokenizer format shortgpt's models ship.
 *
 * | kind | file | as |
 * |---|---|---|
 * | `hf-bpe` | `tokenizer.json` (BPE model) | Hugging Face `tokenizers`: byte-level (GPT-2, Llama 3, Qwen2) or SentencePiece-style (Llama 2) |
 * | `sentencepiece` | `tokenizer.model` (BPE) | SentencePiece, as Llama 2 uses it |
 * | `llama2c` | `tokenizer.bin`, `tok*.bin` | llama2.c `run.c` |
 * | `bytes` | config.json `"tokenizer": "bytes"` | UTF-8 bytes |
 *
 * @example
 * ```ts
 * import { loadTokenizer } from "./mod.ts";
 * const tok = loadTokenizer("testdata/models/stories260K", { vocab_size: 512 });
 * const ids = tok.encode("Once upon a time"); // [1, 403, 407, 261, 378]
 * tok.decode(ids); // "Once upon a time"
 * ```
 *
 * @module
 */

export type { EncodeOptions, Tokenizer, TokenizerConfig } from "./tokenizer.ts";
export {
  loadHfTokenizer,
  loadLlama2cTokenizer,
  loadSentencePieceModel,
  loadSentencePieceTokenizer,
  loadTokenizer,
} from "./load.ts";
export {
  chooseTokenizerFile,
  parseTokenizerFile,
  readFolderTokenizer,
  type TokenizerFile,
  type TokenizerFileKind,
  tokenizerWithoutFile,
} from "./folder.ts";
export { BytesTokenizer } from "./bytes.ts";
export { Llama2cTokenizer, parseLlama2cTokenizer } from "./llama2c.ts";
export { SentencePieceTokenizer } from "./sentencepiece.ts";
export {
  ModelType,
  parseSentencePieceModel,
  PieceType,
  type SentencePiece,
  type SentencePieceModel,
} from "./sentencepiece_model.ts";
export { HfBpeTokenizer, parseHfTokenizer } from "./hf_bpe.ts";
