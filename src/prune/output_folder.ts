/**
 * Writing a new model folder safely: never the input folder (nor inside it), never over a
 * non-empty folder without `force`; everything goes to a temporary sibling that is renamed into
 * place at the end, so a failure leaves nothing half-written.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import process from "node:process";
import { UserError } from "../errors.ts";

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** Checks that `outDir` may receive a new model made from `inDir`. */
export function checkOutputFolder(outDir: string, inDir: string, force: boolean): void {
  const o = real(outDir), i = real(inDir);
  if (o === i) throw new UserError(`--out "${outDir}" is the input model folder; shortgpt never modifies its input, choose a new folder`);
  if (o.startsWith(i + sep)) throw new UserError(`--out "${outDir}" is inside the input model folder "${inDir}"; choose a folder outside it`);
  if (i.startsWith(o + sep)) throw new UserError(`--out "${outDir}" contains the input model folder; choose a new folder`);
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) throw new UserError(`--out "${outDir}" exists and is a file; choose a folder path`);
    if (readdirSync(outDir).length > 0 && !force) {
      throw new UserError(`--out "${outDir}" exists and is not empty; choose a new folder or pass --force to replace it`);
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
    throw new UserError(`Cannot create "${parent}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
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
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(outDir)) renameSync(old, outDir);
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new UserError(`Cannot write "${outDir}": ${code} (${(e as Error).message}); nothing was written`);
    throw e;
  }
}
