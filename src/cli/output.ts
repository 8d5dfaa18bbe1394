/**
 * Writing results: stdout for the answer, stderr for notes and progress, files atomically
 * (a temporary sibling renamed into place, so a crash never leaves half a file).
 *
 * @module
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import process from "node:process";
import { fsReason, UserError } from "../errors.ts";
import { checkWritableParent, isInside, realPath } from "../prune/output_folder.ts";
import type { Parsed } from "./args.ts";

/** Prints to stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

/** Prints a note to stderr unless quiet. */
export function note(text: string, quiet = false): void {
  if (!quiet) process.stderr.write(text.endsWith("\n") ? text : text + "\n");
}

/**
 * Warnings of one command run (kept per parsed command line, so each run starts with none): a
 * result computed from too little input, a budget exceeded. Every JSON report lists them.
 */
const warningsByRun = new WeakMap<Parsed, string[]>();

/** The warnings `warn` recorded for this run so far. */
export function warningsOf(p: Parsed): string[] {
  let list = warningsByRun.get(p);
  if (!list) warningsByRun.set(p, list = []);
  return list;
}

/**
 * A result that may mislead: printed on stderr (even with --quiet) and recorded for the JSON
 * report's `warnings`; with `--strict` it is an error instead (exit 1).
 */
export function warn(p: Parsed, message: string): void {
  if (p.flags.strict === true) throw new UserError(`${message} (an error with --strict)`);
  warningsOf(p).push(message);
  process.stderr.write(`shortgpt: warning: ${message}\n`);
}

/** A byte count for people: `512 KiB`, `3.4 MiB`, `1.50 GiB`. */
export function formatBytes(n: number): string {
  if (n < 2 ** 20) return `${(n / 2 ** 10).toFixed(0)} KiB`;
  if (n < 2 ** 30) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${(n / 2 ** 30).toFixed(2)} GiB`;
}

/**
 * Writes `path` through a temporary sibling and a rename: `data` is the content, or a function
 * that writes the temporary file it is given. A missing folder is created, but only when its own
 * parent exists (an output folder such as sweep's --out DIR), never a chain of folders.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | ((tmp: string) => void)): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const dir = dirname(resolve(path));
    if (!existsSync(dir)) mkdirSync(dir);
    if (typeof data === "function") data(tmp);
    else writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch { /* report the write's failure, not the clean-up's */ }
    if (e instanceof UserError) throw e;
    throw new UserError(`Cannot write "${path}": ${fsReason(e)}`);
  }
}

/**
 * Checks, before any work is done, that a result can be written at `path`: never inside the
 * model folder `modelDir` (we never modify a user's model, and a link to it counts as it), not
 * over a folder when a file is meant (or a file when a folder is meant), and in a place that
 * can be written.
 */
export function refuseInsideModel(path: string, modelDir: string, kind: "file" | "folder" = "file"): void {
  if (realPath(path) === realPath(modelDir)) {
    throw new UserError(`Refusing to write "${path}": it is the input model folder; choose another path`);
  }
  if (isInside(path, modelDir)) {
    throw new UserError(`Refusing to write "${path}" inside the input model folder "${modelDir}"; choose another path`);
  }
  checkOutputPath(path, kind);
}

/** The folder that will hold `path` exists (we never create a chain of folders for an output). */
export function checkParentExists(path: string): void {
  const parent = dirname(resolve(path));
  if (!existsSync(parent)) {
    throw new UserError(
      `Cannot write "${path}": the folder "${parent}" does not exist; create it first or choose another path`,
    );
  }
}

/**
 * Checks that `path` can be written as a `kind` (see {@link refuseInsideModel}): the folder that
 * will hold it must exist (we create a missing output folder, never the folders above it).
 */
export function checkOutputPath(path: string, kind: "file" | "folder" = "file"): void {
  checkParentExists(path);
  if (existsSync(path)) {
    const isDir = statSync(path).isDirectory();
    if (kind === "file" && isDir) throw new UserError(`Cannot write "${path}": it is a folder; give a file name`);
    if (kind === "folder" && !isDir) throw new UserError(`Cannot write into "${path}": it is a file; give a folder`);
  }
  checkWritableParent(kind === "folder" ? resolve(path, "x") : path, `"${path}"`);
}
