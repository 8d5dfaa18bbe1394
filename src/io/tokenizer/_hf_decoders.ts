/**
 * Hugging Face decoders: token strings back to text, compiled from a tokenizer.json spec.
 *
 * Each decoder maps a list of token strings to a new list, as `decode_chain` in `tokenizers`;
 * the text is the concatenation at the end. Supported: Sequence, ByteLevel, Metaspace,
 * Replace, ByteFallback, Fuse, Strip. Without a decoder, tokens are joined with spaces (as
 * `tokenizers` does).
 *
 * @module
 */

import { fromByteLevel } from "./_byte_level.ts";
import { bad, list, pattern, type Spec, str } from "./_hf_json.ts";
import { onigRegex } from "./_hf_regex.ts";
import { decodeUtf8Lossy, parseBytePiece, utf8CharLength } from "./_utf8.ts";

/** A decoder step: token strings to token strings. */
export type DecodeChain = (tokens: string[]) => string[];

/** Compiles a `decoder` spec into a function from token strings to text. */
export function compileDecoder(spec: Spec | null | undefined): (tokens: string[]) => string {
  if (spec == null) return (tokens) => tokens.join(" ");
  const chain = compileChain(spec);
  return (tokens) => chain(tokens).join("");
}

function compileChain(spec: Spec): DecodeChain {
  const where = `decoder "${spec.type}"`;
  switch (spec.type) {
    case "Sequence": {
      const steps = list(spec, "decoders", where).map(compileChain);
      return (tokens) => steps.reduce((acc, f) => f(acc), tokens);
    }
    case "ByteLevel":
      return (tokens) => [fromByteLevel(tokens)];
    case "Metaspace": {
      const rep = str(spec, "replacement", where, "\u2581");
      const scheme = str(spec, "prepend_scheme", where, spec.add_prefix_space === false ? "never" : "always");
      // as tokenizers: in the first token every replacement character goes (not only a leading one)
      return (tokens) => tokens.map((t, i) => t.replaceAll(rep, i === 0 && scheme !== "never" ? "" : " "));
    }
    case "Replace": {
      const re = pattern(spec, where, onigRegex), content = str(spec, "content", where);
      return (tokens) => tokens.map((t) => t.replace(re, () => content));
    }
    case "ByteFallback":
      return byteFallback;
    case "Fuse":
      return (tokens) => [tokens.join("")];
    case "Strip": {
      const content = str(spec, "content", where), start = Number(spec.start ?? 0), stop = Number(spec.stop ?? 0);
      return (tokens) => tokens.map((t) => stripToken([...t], content, start, stop));
    }
    default:
      throw bad(
        where,
        "is not supported (supported: Sequence, ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip)",
      );
  }
}

/** Up to `start` leading and `stop` trailing `content` characters removed. */
function stripToken(chars: string[], content: string, start: number, stop: number): string {
  let from = 0, to = chars.length;
  while (from < Math.min(start, chars.length) && chars[from] === content) from++;
  for (let k = 0; k < stop && to > from && chars[to - 1] === content; k++) to--;
  return chars.slice(from, to).join("");
}

/**
 * `<0xNN>` tokens to text: each run of byte tokens becomes its UTF-8 text if the whole run is
 * valid, else one U+FFFD per byte (as `tokenizers`' ByteFallback decoder).
 */
const byteFallback: DecodeChain = (tokens) => {
  const out: string[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length === 0) return;
    let valid = true;
    for (let i = 0; i < run.length && valid;) {
      const n = utf8CharLength(run, i);
      valid = n > 0;
      i += n;
    }
    out.push(valid ? decodeUtf8Lossy(run) : "\uFFFD".repeat(run.length));
    run = [];
  };
  for (const t of tokens) {
    const b = parseBytePiece(t);
    if (b !== null) run.push(b);
    else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
};
