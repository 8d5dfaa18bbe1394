/**
 * Writing a new model folder safely: never the input folder (nor inside it), never over a
 * non-empty folder without `force`; everything goes to a temporary sibling that is renamed into
 * place at the end, so a failure leaves nothing half-written.
 *
 * @module
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import process from "node:process";
import { fsReason, UserError } from "../errors.ts";

/** The nearest path at or above `p` that exists (the root at worst). */
function nearestExisting(p: string): string {
  let at = resolve(p);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

/**
 * `p` with symbolic links resolved in the part that exists and the rest appended, so a link to
 * the model folder, or a path through one, is recognised as the model folder.
 */
export function realPath(p: string): string {
  const base = nearestExisting(p);
  let real = base;
  try {
    real = realpathSync(base);
  } catch { /* unreadable: keep the resolved path */ }
  const rest = relative(base, resolve(p));
  return rest ? join(real, rest) : real;
}

/** Whether `path` is `dir` or inside it (after resolving links). */
export function isInside(path: string, dir: string): boolean {
  const p = realPath(path), d = realPath(dir);
  return p === d || p.startsWith(d.endsWith(sep) ? d : d + sep);
}

/**
 * Checks that `path` can be written by a temporary sibling and a rename: the folder that holds it
 * (or its nearest existing ancestor, which is created on the way) is a folder we may write in.
 * `what` names the path in the message, e.g. `--out "x"`.
 */
export function checkWritableParent(path: string, what: string): void {
  const parent = dirname(resolve(path));
  const at = nearestExisting(parent);
  if (!statSync(at).isDirectory()) {
    throw new UserError(`${what} cannot be written: "${at}" is a file, not a folder; choose a path inside a folder`);
  }
  try {
    accessSync(at, constants.W_OK);
    // access() can say yes where a write fails (root, a read-only mount, /proc): try one.
    rmdirSync(mkdtempSync(join(at, ".shortgpt-write-test-")));
  } catch (e) {
    throw new UserError(`${what} cannot be written in "${at}": ${fsReason(e)}; choose another place`);
  }
}

/** Checks that `outDir` may receive a new model made from `inDir`. */
export function checkOutputFolder(outDir: string, inDir: string, force: boolean): void {
  const o = realPath(outDir), i = realPath(inDir);
  if (o === i) {
    throw new UserError(
      `--out "${outDir}" is the input model folder; shortgpt never modifies its input, choose a new folder`,
    );
  }
  if (isInside(o, i)) {
    throw new UserError(`--out "${outDir}" is inside the input model folder "${inDir}"; choose a folder outside it`);
  }
  if (isInside(i, o)) throw new UserError(`--out "${outDir}" contains the input model folder; choose a new folder`);
  checkWritableParent(outDir, `--out "${outDir}"`);
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) {
      throw new UserError(`--out "${outDir}" exists and is a file; choose a folder path`);
    }
    if (readdirSync(outDir).length > 0 && !force) {
      throw new UserError(
        `--out "${outDir}" exists and is not empty; choose a new folder or pass --force to replace it`,
      );
    }
  }
}

/**
 * Runs `write(tmpDir)` into a temporary sibling of `outDir`, then renames it to `outDir`
 * (replacing an existing `outDir` only after the new one is complete).
 */
export function writeFolderAtomically(outDir: string, write: (tmpDir: string) => void): void {
  const parent = dirname(resolve(outDir));
  try {
    mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw new UserError(`Cannot create "${parent}" for --out "${outDir}": ${fsReason(e)}`);
  }
  const tmp = join(parent, `.${basename(outDir)}.tmp-${process.pid}-${Date.now()}`);
  const old = join(parent, `.${basename(outDir)}.old-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(tmp);
    write(tmp);
    if (existsSync(outDir)) renameSync(outDir, old);
    renameSync(tmp, outDir);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    try {
      rmSync(tmp, { recursive: true, force: true });
      if (existsSync(old) && !existsSync(outDir)) renameSync(old, outDir);
    } catch { /* report the first failure, not the clean-up's */ }
    if (e instanceof UserError) throw e;
    if ((e as NodeJS.ErrnoException).code) {
      throw new UserError(`Cannot write "${outDir}": ${fsReason(e)}; nothing was written`);
    }
    throw e;
  }
}
