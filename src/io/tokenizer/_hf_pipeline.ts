/**
 * The stages of a Hugging Face tokenizer around the BPE model: normalizers and
 * pre-tokenizers (compiled from their tokenizer.json specs into plain functions) before it,
 * the post-processor's special ids after it.
 *
 * Supported, as `tokenizers` (Rust) implements them:
 * - normalizers: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip;
 * - pre-tokenizers: Sequence, ByteLevel (GPT-2 regex when `use_regex`), Split (String or
 *   Regex pattern, every `behavior`, `invert`), Metaspace, Digits, Whitespace, WhitespaceSplit.
 * - post-processors (only which ids go around the text): TemplateProcessing, ByteLevel,
 *   RobertaProcessing, BertProcessing, Sequence.
 * Anything else is refused with a UserError naming it.
 *
 * @module
 */

import { toByteLevel } from "./_byte_level.ts";
import { GPT2_PATTERN, onigRegex } from "./_hf_regex.ts";
import { bad, escapeRegex, flag, list, pattern, type Spec, str } from "./_hf_json.ts";

/** A normalizer: text to text. */
export type Normalize = (text: string) => string;

/** A piece of text between pre-tokenizer splits; `atStart` when it begins the input text. */
export interface Piece {
  text: string;
  atStart: boolean;
}

/** A pre-tokenizer: pieces to smaller pieces. */
export type PreTokenize = (pieces: Piece[]) => Piece[];

/** Compiles a `normalizer` spec (null: identity). */
export function compileNormalizer(spec: Spec | null | undefined): Normalize {
  if (spec == null) return (t) => t;
  const where = `normalizer "${spec.type}"`;
  switch (spec.type) {
    case "Sequence": {
      const steps = list(spec, "normalizers", where).map(compileNormalizer);
      return (t) => steps.reduce((acc, f) => f(acc), t);
    }
    case "Prepend": {
      const prefix = str(spec, "prepend", where);
      return (t) => (t === "" ? t : prefix + t);
    }
    case "Replace": {
      const re = pattern(spec, where, onigRegex), content = str(spec, "content", where);
      return (t) => t.replace(re, () => content);
    }
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD":
      return (t) => t.normalize(spec.type);
    case "Lowercase":
      return (t) => t.toLowerCase();
    case "Strip": {
      const left = flag(spec, "strip_left", true), right = flag(spec, "strip_right", true);
      return (t) => (left ? (right ? t.trim() : t.trimStart()) : right ? t.trimEnd() : t);
    }
    default:
      throw bad(
        where,
        "is not supported (supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip)",
      );
  }
}

type Behavior = "Removed" | "Isolated" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous";

/**
 * Splits a piece at the matches of `re`, as `NormalizedString::split` does: `behavior` says
 * what becomes of each match (dropped, its own piece, glued to the piece before or after,
 * runs of matches as one piece); `invert` swaps matches and the text between them.
 */
function splitPiece(p: Piece, re: RegExp, behavior: Behavior, invert = false): Piece[] {
  const spans: { start: number; end: number; isMatch: boolean }[] = [];
  let last = 0;
  for (const m of p.text.matchAll(re)) {
    if (m[0] === "") continue;
    if (m.index > last) spans.push({ start: last, end: m.index, isMatch: invert });
    spans.push({ start: m.index, end: m.index + m[0].length, isMatch: !invert });
    last = m.index + m[0].length;
  }
  if (last < p.text.length) spans.push({ start: last, end: p.text.length, isMatch: invert });

  const kept: { start: number; end: number }[] = [];
  let prevMatch = false;
  const order = behavior === "MergedWithNext" ? spans.slice().reverse() : spans;
  for (const s of order) {
    const top = kept.at(-1);
    if (behavior === "Removed" && s.isMatch) continue;
    if (behavior === "MergedWithPrevious" && s.isMatch && !prevMatch && top) top.end = s.end;
    else if (behavior === "MergedWithNext" && s.isMatch && !prevMatch && top) top.start = s.start;
    else if (behavior === "Contiguous" && s.isMatch && prevMatch && top) top.end = s.end;
    else kept.push({ start: s.start, end: s.end });
    prevMatch = s.isMatch;
  }
  if (behavior === "MergedWithNext") kept.reverse();
  return kept.map((k) => ({ text: p.text.slice(k.start, k.end), atStart: p.atStart && k.start === 0 }));
}

const BEHAVIORS = ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"];
const each = (f: (p: Piece) => Piece[]): PreTokenize => (pieces) => pieces.flatMap(f);

/** Compiles a `pre_tokenizer` spec (null: the whole text is one piece). */
export function compilePreTokenizer(spec: Spec | null | undefined): PreTokenize {
  if (spec == null) return (pieces) => pieces;
  const where = `pre_tokenizer "${spec.type}"`;
  switch (spec.type) {
    case "Sequence": {
      const steps = list(spec, "pretokenizers", where).map(compilePreTokenizer);
      return (pieces) => steps.reduce((acc, f) => f(acc), pieces);
    }
    case "ByteLevel": {
      const addPrefixSpace = flag(spec, "add_prefix_space", true), useRegex = flag(spec, "use_regex", true);
      const re = onigRegex(GPT2_PATTERN);
      return each((p) => {
        const q = addPrefixSpace && !p.text.startsWith(" ") ? { ...p, text: " " + p.text } : p;
        return (useRegex ? splitPiece(q, re, "Isolated") : [q]).map((r) => ({ ...r, text: toByteLevel(r.text) }));
      });
    }
    case "Split": {
      const behavior = str(spec, "behavior", where);
      if (!BEHAVIORS.includes(behavior)) {
        throw bad(where, `has behavior "${behavior}"; expected one of ${BEHAVIORS.join(", ")}`);
      }
      const re = pattern(spec, where, onigRegex), invert = flag(spec, "invert", false);
      return each((p) => splitPiece(p, re, behavior as Behavior, invert));
    }
    case "Metaspace": {
      const rep = str(spec, "replacement", where, "\u2581");
      const scheme = str(spec, "prepend_scheme", where, flag(spec, "add_prefix_space", true) ? "always" : "never");
      const split = flag(spec, "split", true);
      const re = new RegExp(escapeRegex(rep), "gu");
      return each((p) => {
        let text = p.text.replaceAll(" ", rep);
        if (!text.startsWith(rep) && (scheme === "always" || (scheme === "first" && p.atStart))) text = rep + text;
        const q = { ...p, text };
        return split ? splitPiece(q, re, "MergedWithNext") : [q];
      });
    }
    case "Digits": {
      const individual = flag(spec, "individual_digits", false);
      return each((p) => splitPiece(p, /\p{N}/gu, individual ? "Isolated" : "Contiguous"));
    }
    case "Whitespace":
      return each((p) => splitPiece(p, /[\p{L}\p{M}\p{N}\p{Pc}]+|[^\p{L}\p{M}\p{N}\p{Pc}\s]+/gu, "Removed", true));
    case "WhitespaceSplit":
      return each((p) => splitPiece(p, /\s+/gu, "Removed"));
    default:
      throw bad(
        where,
        "is not supported (supported: Sequence, ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit)",
      );
  }
}

/** The ids a post-processor puts before and after a single sequence (TemplateProcessing's `single`). */
export function postProcessorIds(spec: Spec | null | undefined): [number[], number[]] {
  if (spec == null) return [[], []];
  const where = `post_processor "${spec.type}"`;
  switch (spec.type) {
    case "ByteLevel":
      return [[], []];
    case "Sequence": {
      const parts = list(spec, "processors", where).map(postProcessorIds);
      return [parts.flatMap((p) => p[0]), parts.flatMap((p) => p[1])];
    }
    case "RobertaProcessing":
    case "BertProcessing":
      return [[(spec.cls as [string, number])[1]], [(spec.sep as [string, number])[1]]];
    case "TemplateProcessing": {
      const specials = (spec.special_tokens ?? {}) as Record<string, { ids: number[] }>;
      const before: number[] = [], after: number[] = [];
      let seenA = false;
      for (const item of list(spec, "single", where) as Record<string, { id: string }>[]) {
        if (item.Sequence) seenA = true;
        else if (item.SpecialToken) {
          const ids = specials[item.SpecialToken.id]?.ids;
          if (!ids) throw bad(where, `uses special token "${item.SpecialToken.id}" missing from its special_tokens`);
          (seenA ? after : before).push(...ids);
        }
      }
      return [before, after];
    }
    default:
      throw bad(
        where,
        "is not supported (supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence)",
      );
  }
}
