/**
 * What the page computes, apart from the page: read a model folder (a dropped folder or a URL),
 * put it on the CPU or WebGPU backend, measure Block Influence on the calibration text, and the
 * perplexity on the measurement text after removing the k lowest-BI layers, k = 0..L-1.
 * Imports only runtime-neutral modules (scripts/build.mjs --web checks that the bundle holds no
 * node:* module).
 *
 * @module
 */
import { cpu } from "../src/backend/cpu.ts";
import type { Ops } from "../src/backend/ops.ts";
import { createWebGpuOps } from "../src/backend/webgpu.ts";
import { countTokens, makeWindows } from "../src/calibration.ts";
import { UserError } from "../src/errors.ts";
import { perplexity } from "../src/eval/perplexity.ts";
import { computeImportance, type ImportanceReport, parseMetric } from "../src/importance/mod.ts";
import type { RawConfig } from "../src/io/config_fields.ts";
import { type FolderSource, readModelFolder, type ReadProgress, readText } from "../src/io/safetensors_source.ts";
import { parseConfigText } from "../src/io/config_fields.ts";
import type { Tokenizer } from "../src/io/tokenizer/tokenizer.ts";
import type { TensorReader } from "../src/io/tensor_reader.ts";
import { readFolderTokenizer } from "../src/io/tokenizer/folder.ts";
import { modelFromTensors } from "../src/models/families.ts";
import { forward } from "../src/models/forward.ts";
import type { CausalLM } from "../src/models/model.ts";
import { withoutLayers } from "../src/prune/remove_layers.ts";
import { prunedFolderFiles } from "../src/prune/save_memory.ts";
import { precisionReport } from "./precision.ts";

/** Which backend runs the model. */
export type Backend = "cpu" | "webgpu";

/** What {@link analyze} needs. */
export interface AnalyzeOptions {
  folder: FolderSource;
  backend: Backend;
  /** Text Block Influence is measured on. */
  calibration: string;
  /** Text the pruned perplexity is measured on (another text: calibrate on one, measure on another). */
  measurement: string;
  /** Tokens per window and the most windows taken from each text. */
  window: number;
  maxWindows: number;
  /** Measure the pruned-perplexity curve too (default true). */
  curve?: boolean;
  /** Progress of each stage, `done` of `total`. */
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** What the page shows. */
export interface Analysis {
  raw: RawConfig;
  /** config.json's float-written paths (kept floats in the pruned config). */
  floats: ReadonlySet<string>;
  tensors: TensorReader;
  L: number;
  bi: ImportanceReport;
  /** Perplexity on the measurement text with the k lowest-BI layers removed, index k = 0..L-1 (empty without `curve`). */
  ppl: number[];
  /** Logits [T, V] of the first calibration window on the full model (what the browser test compares). */
  logits: Float32Array;
  /** Tokens in the calibration and measurement windows. */
  tokens: { calibration: number; measurement: number };
  /** The backend that ran, with the adapter where it is WebGPU. */
  backendName: string;
  /** The folder's tokenizer file (copied into the pruned download), or null for a byte-level model. */
  tokenizerFile: { name: string; bytes: Uint8Array } | null;
}

/** Reads the model, measures BI and the pruned perplexity curve. */
export async function analyze(o: AnalyzeOptions): Promise<Analysis> {
  const say = o.onProgress ?? (() => {});
  const { raw, floats, tensors } = await readModelFolder(
    o.folder,
    (p: ReadProgress) => say(`reading ${p.stage}`, p.done, p.total),
  );
  const { tokenizer: tok, file: tokenizerFile } = await readFolderTokenizer(o.folder, raw);
  let ops: Ops<unknown> = cpu as Ops<unknown>;
  if (o.backend === "webgpu") ops = await createWebGpuOps() as unknown as Ops<unknown>;
  const model: CausalLM<unknown> = modelFromTensors(raw, tensors, ops);
  const L = model.blocks.length;
  const windowsOf = (text: string) =>
    makeWindows([tok.encode(text)], Math.min(o.window, model.info.maxPositions), o.maxWindows);
  const calib = windowsOf(o.calibration), measure = windowsOf(o.measurement);
  if (calib.length === 0 || measure.length === 0) {
    throw new UserError(
      `The ${
        calib.length === 0 ? "calibration" : "measurement"
      } text is shorter than one window (${o.window} tokens); paste more text`,
    );
  }

  const { logits } = await forward(model, calib[0]);
  const bi = await computeImportance(model, calib, parseMetric("bi"), {}, (d, t) => say("Block Influence", d, t));
  const ppl: number[] = [];
  for (let k = 0; k < (o.curve === false ? 0 : L); k++) {
    say("pruned perplexity", k, L);
    ppl.push((await perplexity(withoutLayers(model, bi.order.slice(0, k)), measure)).ppl);
  }
  say("done", L, L);
  return {
    raw,
    floats,
    tensors,
    L,
    bi,
    ppl,
    logits: logits instanceof Float32Array ? logits : await ops.read(logits),
    tokens: { calibration: countTokens(calib), measurement: countTokens(measure) },
    backendName: ops.name,
    tokenizerFile,
  };
}

/** The files of the model with the k lowest-BI layers removed (config.json, model.safetensors, and the tokenizer file as read). */
export function prunedFiles(a: Analysis, k: number, source: string): Map<string, Uint8Array> {
  const files = prunedFolderFiles(a.raw, a.floats, a.tensors, a.bi.order.slice(0, k), source, {
    metric: "bi",
    scores: a.bi.scores,
  });
  if (a.tokenizerFile) files.set(a.tokenizerFile.name, a.tokenizerFile.bytes);
  return files;
}

/**
 * Where the WebGPU backend departs from the CPU on this page's adapter ({@link precisionReport}):
 * built-ins, per-kernel errors and the carried error, on the first calibration window.
 */
export async function webGpuPrecision(folder: FolderSource, calibration: string, window: number) {
  const { raw, tensors } = await readModelFolder(folder);
  const ids = makeWindows([(await readFolderTokenizer(folder, raw)).tokenizer.encode(calibration)], window, 1)[0];
  return precisionReport((ops) => modelFromTensors(raw, tensors, ops), ids, await createWebGpuOps());
}

/** The tokenizer of `folder` as {@link analyze} reads it (config.json gives the special ids and the vocabulary size). */
export async function tokenizerOf(folder: FolderSource): Promise<Tokenizer> {
  const config = folder.file("config.json");
  if (!config) {
    throw new UserError(`"${folder.name}" has no config.json; a model folder needs one (Hugging Face layout)`);
  }
  const raw = parseConfigText(await readText(config), `${folder.name}/config.json`).raw;
  return (await readFolderTokenizer(folder, raw)).tokenizer;
}

/** What the page shows of an analysis: all of it but the tensors, the config and the tokenizer file (what a worker posts back). */
export type AnalysisSummary = Omit<Analysis, "raw" | "floats" | "tensors" | "tokenizerFile">;

/** The part of `a` the page shows. */
export function summarize(a: Analysis): AnalysisSummary {
  const { raw: _raw, floats: _floats, tensors: _tensors, tokenizerFile: _tokenizer, ...shown } = a;
  return shown;
}
