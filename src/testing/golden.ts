/**
 * Reading the golden outputs in `testdata/golden/` (produced outside this project by
 * independent implementations; see testdata/golden/README.md).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Raw little-endian float32 file as a Float32Array. */
export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  const out = new Float32Array(b.byteLength / 4);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** One golden sequence of a Llama-family model. */
export interface GoldenSequence {
  name: string;
  text: string;
  ids: number[];
  T: number;
  ppl: number;
  mean_nll: number;
  logits: Float32Array; // [T,V]
  hiddenRaw: Float32Array; // [L+1,T,D]
  finalNorm: Float32Array; // [T,D]
}

/** The golden sequences of `testdata/golden/llama/<model>/`. */
export function llamaGolden(model: string): GoldenSequence[] {
  const dir = join("testdata/golden/llama", model);
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  // deno-lint-ignore no-explicit-any
  return manifest.sequences.map((s: any) => ({
    name: s.name,
    text: s.text,
    ids: s.ids,
    T: s.T,
    ppl: s.ppl,
    mean_nll: s.mean_nll,
    logits: readF32(join(dir, s.files.logits.file)),
    hiddenRaw: readF32(join(dir, s.files.hidden_raw.file)),
    finalNorm: readF32(join(dir, s.files.final_norm.file)),
  }));
}

/** Folder of a bundled test model. */
export const modelDir = (name: string): string => join("testdata/models", name);

/** The bundled Llama-family models with golden files (testdata/golden/llama/<name>). */
export const LLAMA_MODELS = [
  "stories260K",
  "stories260K-bf16",
  "stories260K-f16",
  "stories260K-mha",
  "babyllama105",
  "bytellama-12L",
] as const;

/** The bundled GPTQ folders with golden files (testdata/models/<name>/PROVENANCE.md). */
export const GPTQ_MODELS = [
  "bytellama-12L-gptq-4bit-g32",
  "bytellama-12L-gptq-4bit-g32-actorder",
  "stories260K-gptq-8bit-g64",
  "bytellama-12L-rtn-3bit-g32",
] as const;
