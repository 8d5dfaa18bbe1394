/**
 * Test fixtures (internal): the five tiny rwkv.cpp test models in testdata/ and readers for their
 * golden files (raw little-endian float32).
 *
 * @module
 */

/** The test models, one per version (testdata/models/<name>, testdata/golden/rwkv/<name>). */
export const RWKV_MODELS = [
  "tiny-rwkv-4v0-660K",
  "tiny-rwkv-5v1-730K",
  "tiny-rwkv-5v2-730K",
  "tiny-rwkv-6v0-1m",
  "tiny-rwkv-7v0-834K",
] as const;

export { readF32 } from "../../testing/golden.ts";

/** The bytes of `text` as token ids (the models' tokenizer is "bytes"). */
export function bytes(text: string): Int32Array {
  return Int32Array.from(new TextEncoder().encode(text));
}
