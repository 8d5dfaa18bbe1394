/**
 * Writes safetensors files: header first (offsets computed from the shapes), then each
 * tensor's bytes in order. A tensor's bytes may be given lazily, so a pruned copy of a large
 * model streams tensor by tensor without holding the model.
 *
 * @module
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { type DType, DTYPE_SIZE, numel } from "../tensor.ts";
import { encodeHeader } from "./safetensors_header.ts";

export { encodeHeader } from "./safetensors_header.ts";

/** A byte range of an existing file, copied in chunks (memory stays small whatever the size). */
export interface FileRange {
  /** The file to copy from. */
  path: string;
  /** Offset of the first byte to copy. */
  begin: number;
  /** Offset just past the last byte to copy. */
  end: number;
}

/** One tensor to write: little-endian data of `dtype`, a function returning it, or a file range to copy. */
export interface TensorEntry {
  /** Name in the header, e.g. `model.layers.0.mlp.up_proj.weight`. */
  name: string;
  /** Element type the bytes hold. */
  dtype: DType;
  /** Dimensions; the bytes must hold `numel(shape)` elements of `dtype`. */
  shape: number[];
  /** The data: bytes, a function called when the tensor is written, or a range of a file to copy. */
  bytes: Uint8Array | (() => Uint8Array) | FileRange;
  /**
   * Called with the tensor's bytes as they are written (a copied range in chunks of whole
   * elements; `at` = the chunk's byte offset in the tensor), before they reach the file: a check
   * that throws stops the write (a prune scans values for NaN while it copies them).
   */
  onBytes?: (chunk: Uint8Array, at: number) => void;
}

const CHUNK = 16 * 2 ** 20;

/** Writes `entries` to `path` (overwriting it). The caller chooses a temporary path and renames. */
export function writeSafetensors(
  path: string,
  entries: readonly TensorEntry[],
  metadata?: Record<string, string>,
): void {
  const header = encodeHeader(entries, metadata);
  const fd = openSync(path, "w");
  try {
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(header.byteLength), true);
    writeAll(fd, len);
    writeAll(fd, header);
    for (const e of entries) {
      const expected = numel(e.shape) * DTYPE_SIZE[e.dtype];
      if (e.bytes instanceof Uint8Array || typeof e.bytes === "function") {
        const bytes = typeof e.bytes === "function" ? e.bytes() : e.bytes;
        if (bytes.byteLength !== expected) {
          throw new Error(`writeSafetensors: "${e.name}" has ${bytes.byteLength} bytes, expected ${expected}`);
        }
        e.onBytes?.(bytes, 0);
        writeAll(fd, bytes);
      } else {
        if (e.bytes.end - e.bytes.begin !== expected) {
          throw new Error(
            `writeSafetensors: "${e.name}" spans ${e.bytes.end - e.bytes.begin} bytes, expected ${expected}`,
          );
        }
        copyRange(fd, e.bytes, e.onBytes);
      }
    }
  } finally {
    closeSync(fd);
  }
}

function copyRange(fd: number, range: FileRange, onBytes?: (chunk: Uint8Array, at: number) => void): void {
  const src = openSync(range.path, "r");
  try {
    const buf = new Uint8Array(Math.min(CHUNK, Math.max(1, range.end - range.begin)));
    for (let at = range.begin; at < range.end;) {
      let n = readSync(src, buf, 0, Math.min(buf.byteLength, range.end - at), at);
      if (n === 0) throw new Error(`"${range.path}" ended at byte ${at}, before ${range.end}`);
      if (onBytes && n % 8 !== 0 && at + n < range.end) n -= n % 8; // whole elements per chunk; the rest comes next
      onBytes?.(buf.subarray(0, n), at - range.begin);
      writeAll(fd, buf.subarray(0, n));
      at += n;
    }
  } finally {
    closeSync(src);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}
