/**
 * Writes safetensors files: header first (offsets computed from the shapes), then each
 * tensor's bytes in order. A tensor's bytes may be given lazily, so a pruned copy of a large
 * model streams tensor by tensor without holding the model.
 *
 * @module
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { type DType, DTYPE_SIZE, numel } from "../tensor.ts";

/** One tensor to write. `bytes` is little-endian data of `dtype`, or a function returning it. */
export interface TensorEntry {
  name: string;
  dtype: DType;
  shape: number[];
  bytes: Uint8Array | (() => Uint8Array);
}

/** The header JSON for `entries`, padded with spaces to a multiple of 8 bytes (as the reference writer does). */
export function encodeHeader(entries: readonly TensorEntry[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const e of entries) {
    const size = numel(e.shape) * DTYPE_SIZE[e.dtype];
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let text = JSON.stringify(header);
  text += " ".repeat((8 - (new TextEncoder().encode(text).byteLength % 8)) % 8);
  return new TextEncoder().encode(text);
}

/** Writes `entries` to `path` (overwriting it). The caller chooses a temporary path and renames. */
export function writeSafetensors(path: string, entries: readonly TensorEntry[], metadata?: Record<string, string>): void {
  const header = encodeHeader(entries, metadata);
  const fd = openSync(path, "w");
  try {
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(header.byteLength), true);
    writeAll(fd, len);
    writeAll(fd, header);
    for (const e of entries) {
      const bytes = typeof e.bytes === "function" ? e.bytes() : e.bytes;
      const expected = numel(e.shape) * DTYPE_SIZE[e.dtype];
      if (bytes.byteLength !== expected) {
        throw new Error(`writeSafetensors: "${e.name}" has ${bytes.byteLength} bytes, expected ${expected}`);
      }
      writeAll(fd, bytes);
    }
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}
