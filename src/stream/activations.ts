/**
 * The activations of every calibration window at the current layer take windows × T × D × 4
 * bytes. When that exceeds the budget they are spilled to one temporary file (each window at a
 * fixed offset) and read back window by window.
 *
 * @module
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countTokens } from "../calibration.ts";

/** Where window activations live between layers when they do not fit in memory. */
export interface ActivationStore {
  get(w: number): Float32Array;
  set(w: number, x: Float32Array): void;
  close(): void;
}

/** Bytes the activations of `windows` take at one layer. */
export function activationBytes(windows: readonly Int32Array[], D: number): number {
  return countTokens(windows) * D * 4;
}

/** Keeps every window's activation in a temporary file; `lengths[w]` = T_w. */
export function fileStore(lengths: readonly number[], D: number, dir = tmpdir()): ActivationStore {
  const folder = mkdtempSync(join(dir, "shortgpt-activations-"));
  const path = join(folder, "activations.f32");
  const fd = openSync(path, "w+");
  const offsets: number[] = [];
  let at = 0;
  for (const T of lengths) {
    offsets.push(at);
    at += T * D * 4;
  }
  return {
    get(w) {
      const x = new Float32Array(lengths[w] * D);
      const bytes = new Uint8Array(x.buffer);
      let done = 0;
      while (done < bytes.byteLength) done += readSync(fd, bytes, done, bytes.byteLength - done, offsets[w] + done);
      return x;
    },
    set(w, x) {
      const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
      let done = 0;
      while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done, offsets[w] + done);
    },
    close() {
      closeSync(fd);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
