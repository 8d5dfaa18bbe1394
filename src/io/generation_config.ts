/**
 * `generation_config.json`: the defaults Hugging Face's `generate()` uses for a model. When the
 * file exists, transformers takes `eos_token_id` from it (`GenerationConfig.from_pretrained`),
 * not from config.json; Llama 3 Instruct lists several ids there ([128001, 128008, 128009]),
 * and generation must stop at any of them.
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { tokenIds } from "./config_json.ts";

/** What shortgpt reads from generation_config.json. Absent fields are undefined. */
export interface GenerationConfig {
  /** Every end-of-sequence id (undefined: the file gives none, config.json's apply). */
  eosTokenIds?: number[];
  /** `bos_token_id`. */
  bosTokenId?: number;
  /**
   * Sampling defaults as the file states them (`do_sample`, `temperature`, `top_p`, `top_k`,
   * `max_new_tokens`, `max_length`); `shortgpt generate` uses them where no flag is given.
   */
  doSample?: boolean;
  /** `temperature`: logits are divided by it before sampling. */
  temperature?: number;
  /** `top_p`: sample from the smallest set of tokens whose probabilities reach it. */
  topP?: number;
  /** `top_k`: sample from the k most probable tokens. */
  topK?: number;
  /** `max_new_tokens`: new tokens at most. */
  maxNewTokens?: number;
  /** Prompt plus new tokens at most; `max_new_tokens` wins when both are set, as in transformers. */
  maxLength?: number;
}

/** Reads `dir/generation_config.json`; null when the folder has none. */
export function readGenerationConfig(dir: string): GenerationConfig | null {
  const path = join(dir, "generation_config.json");
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new UserError(`Cannot parse "${path}": ${(e as Error).message}; fix the file or remove it`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UserError(`"${path}" does not hold a JSON object; fix the file or remove it`);
  }
  const g = raw as Record<string, unknown>;
  const file = "generation_config.json";
  const out: GenerationConfig = {};
  if (g.eos_token_id !== undefined && g.eos_token_id !== null) out.eosTokenIds = tokenIds(g, "eos_token_id", file);
  const bos = tokenIds(g, "bos_token_id", file);
  if (bos.length > 0) out.bosTokenId = bos[0];
  const num = (key: string, ok: (v: number) => boolean): number | undefined => {
    const v = g[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !ok(v)) throw new UserError(`${file}: "${key}" is ${JSON.stringify(v)}; fix the file`);
    return v;
  };
  if (typeof g.do_sample === "boolean") out.doSample = g.do_sample;
  out.temperature = num("temperature", (v) => v >= 0);
  out.topP = num("top_p", (v) => v > 0 && v <= 1);
  out.topK = num("top_k", (v) => Number.isSafeInteger(v) && v >= 0);
  out.maxNewTokens = num("max_new_tokens", (v) => Number.isSafeInteger(v) && v >= 0);
  out.maxLength = num("max_length", (v) => Number.isSafeInteger(v) && v >= 0);
  for (const k of Object.keys(out) as (keyof GenerationConfig)[]) if (out[k] === undefined) delete out[k];
  return out;
}
