/**
 * Test fixtures (internal): the five tiny rwkv.cpp test models in testdata/ and readers for their
 * golden files (raw little-endian float32).
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** The test models, one per version (testdata/models/<name>, testdata/golden/rwkv/<name>). */
export const RWKV_MODELS = [
  "tiny-rwkv-4v0-660K",
  "tiny-rwkv-5v1-730K",
  "tiny-rwkv-5v2-730K",
  "tiny-rwkv-6v0-1m",
  "tiny-rwkv-7v0-834K",
] as const;

/** A raw little-endian float32 file. */
export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  const out = new Float32Array(b.byteLength / 4);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** The bytes of `text` as token ids (the models' tokenizer is "bytes"). */
export function bytes(text: string): Int32Array {
  return Int32Array.from(new TextEncoder().encode(text));
}
