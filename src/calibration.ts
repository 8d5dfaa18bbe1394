/**
 * Calibration windows (docs/conventions.md "Tokens and windows"): the text is tokenized once (BOS where the tokenizer adds
 * one) and cut into non-overlapping windows of `window` tokens, each run independently from
 * position 0. The last window may be shorter. With ids files, each line is one sequence, cut
 * the same way. `maxWindows` keeps the first N windows.
 *
 * @module
 */
import { UserError } from "./errors.ts";

/** Cuts one token sequence into non-overlapping windows of at most `window` tokens. */
export function cutWindows(ids: readonly number[], window: number): Int32Array[] {
  if (!Number.isSafeInteger(window) || window < 1) {
    throw new UserError(`--window is ${window}; it must be a whole number of tokens >= 1 (default 256)`);
  }
  const out: Int32Array[] = [];
  for (let start = 0; start < ids.length; start += window) {
    out.push(Int32Array.from(ids.slice(start, start + window)));
  }
  return out;
}

/** Windows from several sequences (ids-file lines), each cut separately, then the first `maxWindows`. */
export function makeWindows(
  sequences: readonly (readonly number[])[],
  window: number,
  maxWindows?: number,
): Int32Array[] {
  if (maxWindows !== undefined && (!Number.isSafeInteger(maxWindows) || maxWindows < 1)) {
    throw new UserError(`--max-windows is ${maxWindows}; it must be a whole number >= 1`);
  }
  const all = sequences.flatMap((s) => cutWindows(s, window));
  if (all.length === 0) throw new UserError("The calibration input holds no tokens");
  return maxWindows === undefined ? all : all.slice(0, maxWindows);
}

/** Total tokens in `windows`. */
export function countTokens(windows: readonly Int32Array[]): number {
  return windows.reduce((n, w) => n + w.length, 0);
}
