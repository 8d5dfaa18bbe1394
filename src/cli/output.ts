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

/** Prints to stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

/** Prints a note to stderr unless quiet. */
export function note(text: string, quiet = false): void {
  if (!quiet) process.stderr.write(text.endsWith("\n") ? text : text + "\n");
}

/**
 * Writes `path` through a temporary sibling and a rename, creating its folder: `data` is the
 * content, or a function that writes the temporary file it is given.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | ((tmp: string) => void)): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
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

/** Checks that `path` can be written as a `kind` (see {@link refuseInsideModel}). */
export function checkOutputPath(path: string, kind: "file" | "folder" = "file"): void {
  if (existsSync(path)) {
    const isDir = statSync(path).isDirectory();
    if (kind === "file" && isDir) throw new UserError(`Cannot write "${path}": it is a folder; give a file name`);
    if (kind === "folder" && !isDir) throw new UserError(`Cannot write into "${path}": it is a file; give a folder`);
  }
  checkWritableParent(kind === "folder" ? resolve(path, "x") : path, `"${path}"`);
}
