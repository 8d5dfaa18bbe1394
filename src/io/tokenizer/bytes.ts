/**
 * The byte tokenizer: ids are the UTF-8 bytes of the text (config.json `"tokenizer": "bytes"`),
 * as the RWKV test models and bytellama use. No BOS or EOS; 256 ids.
 *
 * @module
 */

import { checkIds, wellFormed } from "./_common.ts";
import { decodeUtf8Lossy, utf8Bytes } from "./_utf8.ts";
import type { EncodeOptions, Tokenizer } from "./tokenizer.ts";

/**
 * Text to its UTF-8 bytes and back.
 *
 * @example
 * ```ts
 * const tok = new BytesTokenizer();
 * tok.encode("hé"); // [104, 195, 169]
 * tok.decode([104, 195, 169]); // "hé"
 * ```
 */
export class BytesTokenizer implements Tokenizer {
  readonly kind = "bytes";
  readonly vocabSize = 256;
  readonly bosId = null;
  readonly eosId = null;

  /** The UTF-8 bytes of `text` (a lone surrogate as the bytes of U+FFFD); `opts` has nothing to add. */
  encode(text: string, _opts?: EncodeOptions): number[] {
    return Array.from(utf8Bytes(wellFormed(text)));
  }

  /** The bytes as UTF-8 text, each invalid sequence as U+FFFD. */
  decode(ids: readonly number[]): string {
    checkIds(ids, this.vocabSize, this.kind);
    return decodeUtf8Lossy(ids);
  }
}
