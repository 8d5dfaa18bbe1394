/**
 * Small helpers shared by the tokenizers: id checks, special ids from config.json, text clean-up.
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import type { TokenizerConfig } from "./tokenizer.ts";

/** Throws a {@link UserError} unless every id is an integer in `[0, vocabSize)`. */
export function checkIds(ids: readonly number[], vocabSize: number, kind: string): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new UserError(
        `Cannot decode token id ${JSON.stringify(id) ?? String(id)} at position ${i}: ` +
          `ids of this ${kind} tokenizer are integers from 0 to ${vocabSize - 1}; check the ids or the model folder`,
      );
    }
  }
}

/** Replaces lone UTF-16 surrogates (which no UTF-8 tokenizer can encode) with U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** The special ids of a tokenizer: config.json's values where given, else the file's own. */
export function specialIds(
  config: TokenizerConfig,
  fromFile: { bos: number | null; eos: number | null },
): { bosId: number | null; eosId: number | null } {
  const eos = config.eos_token_id;
  return {
    bosId: config.bos_token_id !== undefined ? config.bos_token_id : fromFile.bos,
    eosId: eos === undefined ? fromFile.eos : Array.isArray(eos) ? eos[0] ?? null : eos,
  };
}
