/**
 * Typed access to the parts of a Hugging Face `tokenizer.json`, with readable errors.
 *
 * @module
 */

import { UserError } from "../../errors.ts";

/** One component of tokenizer.json (normalizer, pre_tokenizer, model, ...): a `type` and its fields. */
export type Spec = { type?: string } & Record<string, unknown>;

/** Throws a {@link UserError} about `where` in tokenizer.json. */
export function bad(where: string, what: string): UserError {
  return new UserError(`Cannot use tokenizer.json: ${where} ${what}; pass token ids with --ids`);
}

/** The field `key` of `spec`, checked to be a string (or `fallback` when absent). */
export function str(spec: Spec, key: string, where: string, fallback?: string): string {
  const v = spec[key] ?? fallback;
  if (typeof v !== "string") throw bad(where, `needs a string "${key}", found ${JSON.stringify(v)}`);
  return v;
}

/** The field `key` of `spec` as a boolean (`fallback` when absent). */
export function flag(spec: Spec, key: string, fallback: boolean): boolean {
  const v = spec[key];
  return typeof v === "boolean" ? v : fallback;
}

/** The list field `key` of `spec` (empty when absent). */
export function list(spec: Spec, key: string, where: string): Spec[] {
  const v = spec[key] ?? [];
  if (!Array.isArray(v)) throw bad(where, `needs a list "${key}"`);
  return v as Spec[];
}

/** `text` as a regex source that matches it literally (valid with the `u` flag). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&");
}

/** A `{"String": "x"}` or `{"Regex": "x"}` pattern as a global RegExp (via `toRegex` for Regex). */
export function pattern(spec: Spec, where: string, toRegex: (source: string) => RegExp): RegExp {
  const p = spec.pattern as Record<string, unknown> | undefined;
  if (typeof p?.String === "string") return new RegExp(escapeRegex(p.String), "gu");
  if (typeof p?.Regex === "string") return toRegex(p.Regex);
  throw bad(where, `has pattern ${JSON.stringify(p)}; expected {"String": ...} or {"Regex": ...}`);
}
