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
import { type FolderSource, readModelFolder, type ReadProgress } from "../src/io/safetensors_source.ts";
import type { TensorReader } from "../src/io/tensor_reader.ts";
import { BytesTokenizer } from "../src/io/tokenizer/bytes.ts";
import { modelFromTensors } from "../src/models/families.ts";
import { forward } from "../src/models/forward.ts";
import type { CausalLM } from "../src/models/model.ts";
import { withoutLayers } from "../src/prune/remove_layers.ts";
import { prunedFolderFiles } from "../src/prune/save_memory.ts";

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
}

/** The tokenizer the page can use for `raw` (byte-level models read UTF-8 bytes). */
function tokenizerFor(raw: RawConfig) {
  if (raw.tokenizer === "bytes") return new BytesTokenizer();
  throw new UserError(
    `This page reads byte-level models (config.json "tokenizer": "bytes") for now; this model needs its tokenizer file, which the command line reads (shortgpt importance <folder>)`,
  );
}

/** Reads the model, measures BI and the pruned perplexity curve. */
export async function analyze(o: AnalyzeOptions): Promise<Analysis> {
  const say = o.onProgress ?? (() => {});
  const { raw, floats, tensors } = await readModelFolder(
    o.folder,
    (p: ReadProgress) => say(`reading ${p.stage}`, p.done, p.total),
  );
  const tok = tokenizerFor(raw);
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
  };
}

/** The files of the model with the k lowest-BI layers removed (config.json, model.safetensors). */
export function prunedFiles(a: Analysis, k: number, source: string): Map<string, Uint8Array> {
  return prunedFolderFiles(a.raw, a.floats, a.tensors, a.bi.order.slice(0, k), source, {
    metric: "bi",
    scores: a.bi.scores,
  });
}
