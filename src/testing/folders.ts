/**
 * Model folders for tests that must see what a step reads from disk: a temporary copy of a test
 * model, and a way to break its config.json and safetensors headers in place once a
 * `ModelFolder` has read them, so that any later read of either fails loudly.
 *
 * @module
 */
import { closeSync, copyFileSync, mkdtempSync, openSync, readdirSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { modelDir } from "./golden.ts";

/** A copy of test model `name` (its files, not subfolders) in a new temporary folder; remove it when done. */
export function copyTestModel(name: string): string {
  const src = modelDir(name);
  const dir = mkdtempSync(join(tmpdir(), `shortgpt-${name}-`));
  for (const f of readdirSync(src, { withFileTypes: true })) {
    if (f.isFile()) copyFileSync(join(src, f.name), join(dir, f.name));
  }
  return dir;
}

/**
 * Makes config.json unparsable and every safetensors header length absurd, in place: the tensor
 * bytes stay where they are (files already open, and copies by byte range, still read them), but
 * parsing config.json or opening a header again now throws.
 */
export function breakConfigAndHeaders(dir: string): void {
  writeFileSync(join(dir, "config.json"), "{ this is no longer JSON");
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".safetensors"))) {
    const fd = openSync(join(dir, f), "r+");
    try {
      writeSync(fd, new Uint8Array(8).fill(0xff), 0, 8, 0); // header length 2^64 − 1
    } finally {
      closeSync(fd);
    }
  }
}
