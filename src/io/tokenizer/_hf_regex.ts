/**
 * Hugging Face's pre-tokenizer regexes (Oniguruma syntax) as JavaScript `RegExp`s.
 *
 * Two differences matter for the patterns of GPT-2, Llama 3 and Qwen2:
 * - `(?i:'s|'t|...)` (a case-insensitive group, Llama 3 / Qwen2) is not JavaScript before
 *   ES2025: each letter in it becomes a class of both cases, `'[sS]|'[tT]|...`.
 * - `\s` in Oniguruma is Unicode White_Space (it has U+0085 and not U+FEFF); JavaScript's
 *   `\s` is not the same set, so `\s` / `\S` are written out as that class.
 *
 * @module
 */

import { UserError } from "../../errors.ts";

/** GPT-2's split pattern, which the ByteLevel pre-tokenizer uses when `use_regex` is on. */
export const GPT2_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

/** Unicode White_Space, the set of Oniguruma's `\s`. */
const WHITE_SPACE = String.raw`\t\n\v\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000`;

/** Translates an Oniguruma pattern (as found in tokenizer.json) into a global, Unicode JS RegExp. */
export function onigRegex(pattern: string): RegExp {
  let out = "";
  let inClass = false;
  const ignoreCaseDepth: number[] = []; // group depths at which a (?i: group started
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const e = escapeAt(pattern, i);
      if (e === "\\s") out += inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`;
      else if (e === "\\S" && !inClass) out += `[^${WHITE_SPACE}]`;
      else if (e.startsWith("\\x{")) out += "\\u" + e.slice(2); // \x{263A} is \u{263A} in JS
      else out += e;
      i += e.length - 1;
    } else if (inClass) {
      if (c === "]") inClass = false;
      else if (ignoreCaseDepth.length > 0 && /[A-Za-z]/.test(c)) {
        throw unsupported(pattern, "a letter class inside (?i:...)");
      }
      out += c;
    } else if (c === "[") {
      inClass = true;
      out += c;
      if (pattern[i + 1] === "]" || (pattern[i + 1] === "^" && pattern[i + 2] === "]")) {
        throw unsupported(pattern, "a class starting with ]");
      }
    } else if (c === "(") {
      depth++;
      if (pattern.startsWith("(?i:", i)) {
        ignoreCaseDepth.push(depth);
        out += "(?:";
        i += 3;
      } else if (pattern.startsWith("(?i)", i) || pattern.startsWith("(?>", i)) {
        throw unsupported(pattern, pattern.slice(i, i + 4));
      } else out += c;
    } else if (c === ")") {
      if (ignoreCaseDepth.at(-1) === depth) ignoreCaseDepth.pop();
      depth--;
      out += c;
    } else if (ignoreCaseDepth.length > 0 && /[A-Za-z]/.test(c)) {
      out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
    } else out += c;
  }
  try {
    return new RegExp(out, "gu");
  } catch (e) {
    throw new UserError(`Cannot use pre-tokenizer regex ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}

/** The escape sequence starting at `pattern[i]` (a backslash): `\p{L}`, `\x41`, `\u00A0`, `\s`, ... */
function escapeAt(pattern: string, i: number): string {
  const next = pattern[i + 1] ?? "";
  if ((next === "p" || next === "P") && pattern[i + 2] === "{") {
    return pattern.slice(i, pattern.indexOf("}", i) + 1 || undefined);
  }
  if (next === "x" && pattern[i + 2] === "{") return pattern.slice(i, pattern.indexOf("}", i) + 1 || undefined);
  if (next === "x") return pattern.slice(i, i + 4);
  if (next === "u") return pattern.slice(i, i + 6);
  return pattern.slice(i, i + 2);
}

function unsupported(pattern: string, what: string): UserError {
  return new UserError(
    `Cannot use pre-tokenizer regex ${JSON.stringify(pattern)}: ${what} is not supported; pass token ids with --ids`,
  );
}
