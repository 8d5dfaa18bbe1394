/**
 * What the task readers share: finding a task's folder, reading text, JSON Lines and CSV, with
 * errors that name the file and line.
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../errors.ts";

/**
 * The task's folder: `dir` itself when it holds `marker` (a file or folder the task reads), else
 * `dir/<folder>` (so `--data ../shared/data` works for every task).
 */
export function taskDir(dir: string, folder: string, marker: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`Data folder "${dir}" does not exist or is not a folder`);
  }
  if (existsSync(join(dir, marker))) return dir;
  if (existsSync(join(dir, folder, marker))) return join(dir, folder);
  throw new UserError(
    `Cannot find "${marker}" in "${dir}" or "${join(dir, folder)}"; point --data at the ${folder} data folder`,
  );
}

/** A file as UTF-8 text, a user error when missing. */
export function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(`Cannot read "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Lines of a text (LF or CRLF), without a final empty line. */
export function lines(text: string): string[] {
  const out = text.split(/\r?\n/);
  if (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/** One JSON object per non-empty line. */
export function parseJsonl<T = Record<string, unknown>>(text: string, where: string): T[] {
  const out: T[] = [];
  lines(text).forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line) as T);
    } catch (e) {
      throw new UserError(`${where}, line ${i + 1}: not valid JSON (${(e as Error).message})`);
    }
  });
  return out;
}

/** A field that must be a string. */
export function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== "string") {
    throw new UserError(`${where}: field "${key}" should be a string, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * RFC 4180 CSV: fields separated by commas, a quoted field may hold commas, newlines and `""`
 * for a quote. Returns the rows (a final newline does not make an empty row).
 */
export function parseCsv(text: string, where: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const endField = () => {
    row.push(field);
    field = "";
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else if (c === ",") endField();
    else if (c === "\n" || c === "\r") {
      endField();
      rows.push(row);
      row = [];
      if (c === "\r" && text[i + 1] === "\n") i++;
    } else field += c;
    i++;
  }
  if (quoted) throw new UserError(`${where}: a quoted field is not closed at the end of the file`);
  if (field !== "" || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

/** The first `limit` elements (all when `limit` is undefined). */
export function take<T>(xs: T[], limit: number | undefined): T[] {
  return limit === undefined ? xs : xs.slice(0, limit);
}
