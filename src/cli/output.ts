/**
 * Writing results: stdout for the answer, stderr for notes and progress, files atomically
 * (a temporary sibling renamed into place, so a crash never leaves half a file).
 *
 * @module
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import process from "node:process";
import { UserError } from "../errors.ts";

/** Prints to stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

/** Prints a note to stderr unless quiet. */
export function note(text: string, quiet = false): void {
  if (!quiet) process.stderr.write(text.endsWith("\n") ? text : text + "\n");
}

/** Writes `data` to `path` through a temporary sibling and a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UserError(`Cannot write "${path}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Refuses to write `path` inside the model folder `modelDir` (we never modify a user's model). */
export function refuseInsideModel(path: string, modelDir: string): void {
  const p = resolve(path), m = resolve(modelDir);
  if (p === m || p.startsWith(m + sep)) {
    throw new UserError(`Refusing to write "${path}" inside the input model folder "${modelDir}"; choose another path`);
  }
}
