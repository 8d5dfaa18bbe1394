/**
 * `config.json` text become an object, without touching a file system (a browser page uses it
 * as it is): {@link parseConfigText} parses a {@link RawConfig}, and the field checks
 * ({@link positiveInt}, {@link bool}, ...) that every family's config resolver uses name the
 * field, the value found and what was expected. src/io/config_json.ts reads the file.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import { parseJsonFloats } from "./json_floats.ts";

/** config.json as Hugging Face writes it: one JSON object; every field is optional. */
export interface RawConfig {
  /** The family, which picks the loader: `llama`, `mistral`, `qwen2`, `baichuan` or `rwkv`. */
  model_type?: string;
  /** transformers class names, e.g. `["LlamaForCausalLM"]`. */
  architectures?: string[];
  /** V, rows of the embedding table. */
  vocab_size?: number;
  /** Beginning-of-sequence id; null when the model has none. */
  bos_token_id?: number | null;
  /** End-of-sequence id, or several (any of them ends generation); null when none. */
  eos_token_id?: number | number[] | null;
  /** `"bytes"`: the model reads raw UTF-8 bytes (no tokenizer file). */
  tokenizer?: string;
  /** Provenance block written by shortgpt's pruning. */
  shortgpt?: Record<string, unknown>;
  /** Every other field, family-specific (read by that family's resolver). */
  [key: string]: unknown;
}

/**
 * Parses the text of a config.json (`path` names it in messages): the object, and the paths whose
 * numbers were written as floats (`10000.0`), so a rewritten config keeps them floats
 * (io/json_floats.ts). Throws a UserError unless the text is one JSON object.
 */
export function parseConfigText(text: string, path: string): { raw: RawConfig; floats: ReadonlySet<string> } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`Cannot parse "${path}": ${(e as Error).message}; fix the file, it must hold one JSON object`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UserError(
      `"${path}" holds ${
        Array.isArray(raw) ? "an array" : raw === null ? "null" : `a ${typeof raw}`
      }, not a JSON object; ` +
        `config.json must be one object such as {"model_type": "llama", "hidden_size": 4096, ...}`,
    );
  }
  return { raw: raw as RawConfig, floats: parseJsonFloats(text).floats };
}

/** {@link parseConfigText}'s object alone. */
export function parseRawConfig(text: string, path: string): RawConfig {
  return parseConfigText(text, path).raw;
}

// Field checks shared by the config resolvers (src/models/llama/config.ts, src/models/rwkv/config.ts): each
// names the field, the value found and what was expected. null counts as absent.

/** A field that must be a positive integer (`fallback` when absent). */
export function positiveInt(raw: RawConfig, key: string, fallback?: number): number {
  const v = raw[key] ?? fallback;
  if (!Number.isSafeInteger(v) || (v as number) <= 0) {
    const shown = v === undefined ? "missing" : JSON.stringify(v);
    throw new UserError(`config.json: "${key}" is ${shown}; expected a positive integer`);
  }
  return v as number;
}

/** A field that must be an integer ≥ 0 (`fallback` when absent). */
export function nonNegativeInt(raw: RawConfig, key: string, fallback: number): number {
  const v = raw[key] ?? fallback;
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new UserError(`config.json: "${key}" is ${JSON.stringify(v)}; expected an integer ≥ 0`);
  }
  return v as number;
}

/** A field that must be a positive finite number (`fallback` when absent). */
export function positiveNumber(raw: RawConfig, key: string, fallback?: number): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    const shown = v === undefined ? "missing" : JSON.stringify(v);
    throw new UserError(`config.json: "${key}" is ${shown}; expected a positive number`);
  }
  return v;
}

/** A true/false field (`fallback` when absent). */
export function bool(raw: RawConfig, key: string, fallback: boolean): boolean {
  const v = raw[key] ?? fallback;
  if (typeof v !== "boolean") {
    throw new UserError(`config.json: "${key}" is ${JSON.stringify(v)}; expected true or false`);
  }
  return v;
}

/** `bos_token_id` / `eos_token_id`: an id ≥ 0, a list of them (the first is returned), or null. */
export function tokenId(raw: RawConfig, key: string): number | null {
  return tokenIds(raw, key)[0] ?? null;
}

/** Every id of `bos_token_id` / `eos_token_id` (an id ≥ 0, a list of them, or null: none). */
export function tokenIds(raw: Record<string, unknown>, key: string, file = "config.json"): number[] {
  const v = raw[key];
  if (v === undefined || v === null) return [];
  const ids = Array.isArray(v) ? v : [v];
  if (!ids.every((id) => Number.isSafeInteger(id) && (id as number) >= 0)) {
    throw new UserError(
      `${file}: "${key}" is ${JSON.stringify(v)}; expected a token id (an integer ≥ 0), a list of them, or null`,
    );
  }
  return ids as number[];
}
