/**
 * `--stream` and `--max-memory`: whether to hold the whole model or stream it layer by layer.
 * The model streams when asked to, or when its float32 weights would not fit in the budget
 * (default: half of the free memory).
 *
 * @module
 */
import { freemem } from "node:os";
import process from "node:process";
import { type ImportanceRunner, modelRunner } from "../importance/mod.ts";
import { loadModel, type ModelFolder, openModel } from "../models/load.ts";
import { streamRunner } from "../stream/layer_stream.ts";
import { backendFromFlags } from "./backend.ts";
import { checkTensorShapes } from "./common.ts";
import { UserError } from "../errors.ts";
import type { TensorStore } from "../io/store.ts";
import { numel } from "../tensor.ts";
import type { FlagSpec, Parsed } from "./args.ts";
import { bool, str } from "./args.ts";

export const MEMORY_FLAGS: Record<string, FlagSpec> = {
  stream: { type: "boolean", help: "stream the model layer by layer (automatic when it does not fit --max-memory)" },
  "max-memory": { type: "string", arg: "SIZE", help: "memory budget, e.g. 8G or 512M (default: half the free memory)" },
};

/** Parses `8G`, `512M`, `1.5GB`, `1000000` (bytes). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) throw new UserError(`--max-memory "${text}" is not a size; write e.g. 8G, 512M or 1.5G`);
  const scale =
    { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase() as "" | "k" | "m" | "g" | "t"];
  const bytes = Number(m[1]) * scale;
  if (!(bytes > 0)) throw new UserError(`--max-memory "${text}" must be positive`);
  return bytes;
}

/** Bytes the model's weights take as float32 once loaded. */
export function modelBytesF32(store: TensorStore): number {
  return store.names().reduce((n, name) => n + numel(store.info(name)!.shape) * 4, 0);
}

/** The decision: stream or not, the budget, and why. */
export interface MemoryPlan {
  stream: boolean;
  budget: number;
  modelBytes: number;
  reason: string;
}

export function planMemory(p: Parsed, model: ModelFolder): MemoryPlan {
  const given = str(p, "max-memory");
  const budget = given ? parseSize(given) : freemem() / 2;
  const modelBytes = modelBytesF32(model.store);
  const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (bool(p, "stream")) return { stream: true, budget, modelBytes, reason: "--stream" };
  if (modelBytes > budget) {
    return {
      stream: true,
      budget,
      modelBytes,
      reason: `the model needs ${gib(modelBytes)} as float32, more than the ${gib(budget)} budget`,
    };
  }
  return { stream: false, budget, modelBytes, reason: "the model fits in memory" };
}

/** Peak resident memory of this process so far, in bytes (current RSS where the peak is unknown). */
export function peakRss(): number {
  // deno-lint-ignore no-explicit-any
  const proc = process as any;
  const max = proc.resourceUsage?.().maxRSS;
  return typeof max === "number" && max > 0 ? max * 1024 : process.memoryUsage().rss;
}

/**
 * Window-major over a loaded model, or layer-major streaming, as the flags and the budget decide.
 * The caller prints the streaming note (`plan.reason`) once this returned, so that a bad model or
 * id gives one line on stderr.
 */
export async function importanceRunner(
  p: Parsed,
  folder: ModelFolder,
  windows: readonly Int32Array[],
): Promise<{ runner: ImportanceRunner; close: () => void; plan: MemoryPlan; progressUnit: "windows" | "layers" }> {
  const plan = planMemory(p, folder);
  const ops = await backendFromFlags(p);
  // A runner checks the ids against the model when it is made, so a bad id is reported before any
  // progress is shown.
  if (plan.stream) {
    checkTensorShapes(folder); // every layer's names and shapes from the headers, before any work
    const { parts, close } = openModel(folder, ops);
    try {
      const runner = streamRunner(parts, windows, plan.budget / 2);
      parts.embed(Int32Array.of(0)); // reads (and checks) the embeddings now, before any progress
      return { runner, close, plan, progressUnit: "layers" };
    } catch (e) {
      close();
      throw e;
    }
  }
  const model = loadModel(folder, ops);
  return { runner: modelRunner(model, windows), close: () => {}, plan, progressUnit: "windows" };
}
