/**
 * Reading what the user gives on the command line: token ids (`--ids`, `--ids-file`) and text
 * files, with errors that name the bad value and its place.
 *
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { fsReason, UserError } from "../errors.ts";
import { shorten } from "./args.ts";

/**
 * Parses `"1,2,3"` or `"1 2 3"` into non-negative integers; `where` names the source in errors
 * and `what` the kind of number ("token id", "layer").
 */
export function parseIds(text: string, where = "--ids", what = "token id"): number[] {
  const parts = text.trim().split(/[\s,]+/).filter((s) => s.length > 0);
  if (parts.length === 0) {
    throw new UserError(`${where} holds no ${what}s; give a list like ${what === "token id" ? "1,403,407" : "3,2"}`);
  }
  return parts.map((s, i) => {
    if (!/^\d+$/.test(s)) {
      throw new UserError(`${where}: ${what} "${shorten(s)}" (item ${i + 1}) is not a non-negative integer`);
    }
    const v = Number(s);
    if (!Number.isSafeInteger(v)) throw new UserError(`${where}: ${what} "${shorten(s)}" (item ${i + 1}) is too large`);
    return v;
  });
}

/** Layer numbers from a flag such as `--layers 27,26,25` (0-based; range is checked against the model later). */
export function parseLayerList(text: string, flag: string): number[] {
  return parseIds(text, flag, "layer");
}

/** Reads a file as UTF-8 text; missing, empty, binary or non-UTF-8 files are user errors. */
export function readTextFile(path: string, what = "text file"): string {
  let bytes: Uint8Array;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UserError(`Cannot read ${what} "${path}": it is a folder, not a file`);
    if (!st.isFile()) {
      throw new UserError(
        `Cannot read ${what} "${path}": it is not a regular file (a device or a pipe); save the text to a file`,
      );
    }
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`Cannot read ${what} "${path}": ${fsReason(e)}`);
  }
  if (bytes.byteLength === 0) throw new UserError(`The ${what} "${path}" is empty; give a file with some text`);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    throw new UserError(
      `The ${what} "${path}" is not UTF-8 (invalid byte at offset ${bad}); convert it, e.g. with iconv`,
    );
  }
}

/** Offset of the first byte that starts a malformed UTF-8 sequence (structure only; 0 if none found). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >> 5 === 6 ? 1 : c >> 4 === 14 ? 2 : c >> 3 === 30 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return 0;
}

/**
 * Reads an ids file: one sequence per line, ids separated by spaces or commas, or a JSON
 * array of arrays. Blank lines are skipped.
 */
export function readIdsFile(path: string): number[][] {
  const text = readTextFile(path, "ids file").trim();
  if (text.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new UserError(`The ids file "${path}" starts with "[" but is not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every(Array.isArray)) {
      throw new UserError(`The ids file "${path}" must be a JSON array of arrays of ids, e.g. [[1,2,3],[1,5]]`);
    }
    return (parsed as unknown[][]).map((seq, i) => {
      const where = `"${path}" sequence ${i + 1}`;
      if (seq.length === 0) throw new UserError(`${where} holds no token ids; give ids like [1,403,407]`);
      seq.forEach((v, k) => {
        if (!Number.isSafeInteger(v) || (v as number) < 0) {
          throw new UserError(
            `${where}: token id ${shorten(JSON.stringify(v))} (item ${k + 1}) is not a non-negative integer`,
          );
        }
      });
      return seq as number[];
    });
  }
  const seqs: number[][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim()) seqs.push(parseIds(line, `"${path}" line ${i + 1}`));
  });
  if (seqs.length === 0) throw new UserError(`The ids file "${path}" holds no sequences`);
  return seqs;
}
