/**
 * What the commands share, in one module that each of them imports (no command imports another
 * command's file): the global flags and what they do (threads, kernel, backend, strictness), the
 * calibration and measurement inputs, the metric conventions, scoring layers, and the fields
 * every JSON report carries (`backend`, `adapter`, the texts, `warnings`). A new global flag is
 * declared in {@link GLOBAL_FLAGS} and read here.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { cpu, getPrecision, type Precision, setMatmulKernel, setPrecision, setThreads } from "../backend/cpu.ts";
import type { Ops } from "../backend/ops.ts";
import type { AdapterInfo, WebGpuOps } from "../backend/webgpu.ts";
import { countTokens, makeWindows } from "../calibration.ts";
import { UserError } from "../errors.ts";
import { checkMetric, type ImportanceReport, type MetricSpec, scoreLayers } from "../importance/mod.ts";
import type { Conventions } from "../importance/metric.ts";
import { loadTokenizer } from "../io/tokenizer/mod.ts";
import { loadModel, type ModelFolder } from "../models/load.ts";
import type { CausalLM } from "../models/model.ts";
import { formatNumber, markdownTable } from "../report/markdown.ts";
import { Progress } from "../report/progress.ts";
import { bool, type CommandSpec, type FlagSpec, helpText, num, parseArgs, type Parsed, str } from "./args.ts";
import { oneOf } from "./common.ts";
import { parseIds, readIdsFile, readTextFile } from "./inputs.ts";
import { checkMemoryBudget, importanceRunner } from "./memory.ts";
import { note, warn, warningsOf } from "./output.ts";

// ---------------------------------------------------------------------------------------------
// Global flags: declared once, applied once per run.

/** Flags every command accepts. */
export const GLOBAL_FLAGS: Readonly<Record<string, FlagSpec>> = {
  help: { type: "boolean", help: "show this help" },
  quiet: { type: "boolean", help: "no progress or notes on stderr (warnings are still shown)" },
  debug: { type: "boolean", help: "show stack traces for every error" },
  strict: { type: "boolean", help: "treat warnings (too little input, memory over budget) as errors: exit 1" },
  backend: {
    type: "string",
    arg: "B",
    choices: ["cpu", "webgpu", "auto"],
    default: "cpu",
    help: "where to compute; auto = a hardware WebGPU adapter if there is one, else the CPU",
  },
  "allow-software-gpu": {
    type: "boolean",
    help: "let --backend auto use a software (fallback) WebGPU adapter such as llvmpipe",
  },
  threads: {
    type: "int",
    arg: "N",
    help: "CPU threads for large matmuls (default and maximum: the core count, at most 8)",
  },
  kernel: {
    type: "string",
    arg: "K",
    choices: ["wasm-simd", "js"],
    help: "CPU matmul kernel; both give the same bits (default wasm-simd)",
  },
  precision: {
    type: "string",
    arg: "P",
    choices: ["exact", "fast"],
    default: "exact",
    help: "CPU arithmetic: exact (float64 sums, the oracle's bits) or fast (float32 SIMD, ~2x; docs/performance.md)",
  },
};

/** Parses a command line for `spec`, with the global flags. */
export function parseCommand(argv: readonly string[], spec: CommandSpec): Parsed {
  return parseArgs(argv, spec, GLOBAL_FLAGS);
}

/** The `--help` text of a command, with the global flags. */
export function commandHelp(spec: CommandSpec): string {
  return helpText(spec, GLOBAL_FLAGS);
}

/** The number of cores this process may use. */
export function coreCount(): number {
  return Math.max(1, availableParallelism());
}

/** Applies the global flags that set process-wide state (threads, kernel, precision) before a command runs. */
export function applyGlobalFlags(p: Parsed): void {
  const threads = num(p, "threads");
  if (threads !== undefined) {
    if (threads < 1) throw new UserError(`--threads ${threads}: give a whole number of threads >= 1`);
    const cores = coreCount();
    if (threads > cores) {
      note(`--threads ${threads}: this machine has ${cores} cores; using ${cores} threads`, bool(p, "quiet"));
    }
    setThreads(Math.min(threads, cores));
  }
  const kernel = str(p, "kernel");
  if (kernel !== undefined) setMatmulKernel(kernel as "wasm-simd" | "js");
  try {
    setPrecision((str(p, "precision") ?? "exact") as Precision);
  } catch (e) {
    throw new UserError((e as Error).message); // fast without WebAssembly SIMD
  }
}

// ---------------------------------------------------------------------------------------------
// The backend, and what reports say about it.

/** What a report says ran the model: `backend` and, on a GPU, the adapter. */
export interface BackendReport {
  backend: "cpu" | "webgpu";
  adapter?: AdapterInfo;
}

const backendOfRun = new WeakMap<Parsed, BackendReport>();

/** The backend named by `--backend` (cpu, webgpu, auto), recorded for the run's reports. */
export async function backendFromFlags(p: Parsed): Promise<Ops<unknown>> {
  const name = (str(p, "backend") ?? "cpu") as "cpu" | "webgpu" | "auto";
  if (name === "cpu") {
    backendOfRun.set(p, { backend: "cpu" });
    return cpu as Ops<unknown>;
  }
  const { selectBackend } = await import("../backend/webgpu.ts");
  const ops = await selectBackend(name, (msg) => note(msg, bool(p, "quiet")), {
    allowSoftware: bool(p, "allow-software-gpu"),
  });
  if (ops.name === "webgpu") {
    const adapter = (ops as unknown as WebGpuOps).adapterInfo;
    if (adapter.isFallbackAdapter && !backendOfRun.has(p)) { // once per run, not per model loaded
      note(
        `WebGPU runs on a software adapter (${adapter.description}); --backend cpu is usually faster`,
        bool(p, "quiet"),
      );
    }
    backendOfRun.set(p, { backend: "webgpu", adapter });
  } else backendOfRun.set(p, { backend: "cpu" });
  return ops;
}

/** Loads the model folder `from` (a path, or one opened for the command) on the backend the flags ask for. */
export async function loadForCli(from: string | ModelFolder, p: Parsed): Promise<CausalLM<unknown>> {
  return loadModel(from, await backendFromFlags(p));
}

/**
 * The fields every JSON report of a run carries: `backend` ("cpu" or "webgpu"), `adapter` (on a
 * GPU: its info, `isFallbackAdapter` included) and `warnings` (see `warn`).
 */
export function reportFields(p: Parsed): BackendReport & { precision: Precision; warnings: string[] } {
  const b = backendOfRun.get(p) ?? { backend: "cpu" as const };
  return { ...b, precision: getPrecision(), warnings: [...warningsOf(p)] };
}

// ---------------------------------------------------------------------------------------------
// Inputs: the calibration text (chooses layers) and the measurement text (perplexity).

export const CALIBRATION_FLAGS: Record<string, FlagSpec> = {
  "text-file": {
    type: "string",
    arg: "F",
    help: "UTF-8 text, tokenized once with the model's tokenizer and cut into windows",
  },
  "ids-file": { type: "string", arg: "F", help: "token ids, one sequence per line (or a JSON array of arrays)" },
  ids: { type: "string", arg: "IDS", help: "one sequence of token ids, e.g. 1,403,407" },
  window: { type: "int", arg: "N", default: 256, help: "tokens per window (fewer than one window in all: a warning)" },
  "max-windows": { type: "int", arg: "N", help: "use only the first N windows" },
};

/** Flags naming a second text on which perplexity is measured (held out from calibration). */
export const MEASUREMENT_FLAGS: Record<string, FlagSpec> = {
  "eval-text-file": {
    type: "string",
    arg: "F",
    help: "the text perplexity is measured on: a different text from the calibration one (recommended)",
  },
  "eval-ids-file": { type: "string", arg: "F", help: "the same as token ids (one sequence per line)" },
  "eval-max-windows": { type: "int", arg: "N", help: "use only the first N windows of the measurement text" },
};

/** Where a report's windows came from, as its JSON names them. */
export interface TextSource {
  /** The file (or `"--ids"` for ids on the command line). */
  source: string;
  windows: number;
  tokens: number;
}

/** Windows and where they came from. */
export interface Input {
  windows: Int32Array[];
  text: TextSource;
}

function inputFrom(
  p: Parsed,
  model: ModelFolder,
  source: { flag: string; kind: "text" | "ids-file" | "ids" },
  maxWindows: number | undefined,
): Input {
  const value = str(p, source.flag)!;
  const sequences = source.kind === "text"
    ? [loadTokenizer(model.dir, model.raw).encode(readTextFile(value))]
    : source.kind === "ids-file"
    ? readIdsFile(value)
    : [parseIds(value)];
  const windows = makeWindows(sequences, num(p, "window")!, maxWindows);
  return {
    windows,
    text: { source: source.kind === "ids" ? "--ids" : value, windows: windows.length, tokens: countTokens(windows) },
  };
}

/**
 * The calibration input the flags describe (docs/conventions.md: windows); a text is tokenized
 * with the tokenizer of `model`, whose config.json is not read again.
 */
export function calibrationFromFlags(p: Parsed, model: ModelFolder): Input {
  const flag = oneOf(p, ["text-file", "ids-file", "ids"]);
  const kind = flag === "text-file" ? "text" : flag as "ids-file" | "ids";
  return inputFrom(p, model, { flag, kind }, num(p, "max-windows"));
}

/** The measurement input of {@link MEASUREMENT_FLAGS}, or undefined when none is given. */
export function measurementFromFlags(p: Parsed, model: ModelFolder): Input | undefined {
  const given = ["eval-text-file", "eval-ids-file"].filter((f) => str(p, f) !== undefined);
  if (given.length === 0) return undefined;
  const flag = oneOf(p, ["eval-text-file", "eval-ids-file"]);
  return inputFrom(
    p,
    model,
    { flag, kind: flag === "eval-text-file" ? "text" : "ids-file" },
    num(p, "eval-max-windows"),
  );
}

/**
 * Warns (see `warn`) when `input` has fewer tokens than one full window (`--window`): the least
 * from which a layer score or a perplexity means anything. `role` says which input it is.
 */
export function checkEnoughTokens(p: Parsed, input: Input, role: "calibration" | "measurement"): void {
  const window = num(p, "window") ?? 256;
  const { tokens } = input.text;
  if (tokens < window) {
    warn(
      p,
      `the ${role} input "${input.text.source}" has ${tokens} tokens, fewer than one full window of ${window}; ` +
        `${
          role === "calibration" ? "layer scores from so few tokens are" : "a perplexity from so few tokens is"
        } mostly noise`,
    );
  }
}

/** A text source's file name (`--ids` for ids on the command line). */
export function textName(t: TextSource): string {
  return t.source.split(/[\\/]/).pop()!;
}

/** A text source in a figure's note: `tinystories_calibration.txt (16 windows, 4,096 tokens)`. */
export function textNote(t: TextSource): string {
  return `${textName(t)} (${t.windows} windows, ${t.tokens.toLocaleString("en-US")} tokens)`;
}

// ---------------------------------------------------------------------------------------------
// Figure titles: one scheme for every command ("<what>: <model>").

/** A figure's title: what it shows, then the model. */
export function figureTitle(what: string, model: string): string {
  return `${what}: ${model}`;
}

/** A metric's name for people, e.g. `bi` -> `Block Influence (BI)`. */
export function metricName(metric: string): string {
  const names: Record<string, string> = {
    bi: "Block Influence (BI)",
    relmag: "Relative magnitude",
    sequential: "Sequential order",
    reverse: "Reverse order",
    ppl: "Single-layer perplexity (oracle)",
  };
  const angular = /^angular:(\d+)$/.exec(metric);
  return angular ? `Angular distance over ${angular[1]} layers` : names[metric] ?? metric;
}

// ---------------------------------------------------------------------------------------------
// Conventions and scoring.

export const CONVENTION_FLAGS = {
  reduce: {
    type: "string",
    arg: "R",
    choices: ["mean", "sum"],
    default: "mean",
    help: "BI/angular over tokens: mean (paper Eq. 2) or sum (released code)",
  },
  "last-hidden": {
    type: "string",
    arg: "C",
    choices: ["raw", "hf"],
    default: "raw",
    help: "X_L before (raw) or after (hf) the final norm",
  },
} as const;

/** The conventions `--reduce` and `--last-hidden` name. */
export function conventionsFromFlags(p: Parsed): Conventions {
  return { reduce: str(p, "reduce") as "mean" | "sum", lastHidden: str(p, "last-hidden") as "raw" | "hf" };
}

/** An importance report as a Markdown table: layer, score, rank in the removal order. */
export function importanceTable(r: ImportanceReport): string {
  const rank = new Map(r.order.map((layer, k) => [layer, k + 1]));
  const unit = r.metric.startsWith("angular") ? "first layer" : "layer";
  return markdownTable(
    [unit, r.metric, "removal rank"],
    r.scores.map((s, i) => [i, formatNumber(s, 6), rank.get(i)!]),
    ["r", "r", "r"],
  );
}

/**
 * Scores the layers on the calibration input as the flags say (conventions, streaming), with
 * progress on stderr. The model is opened (and its config, tensors, ids and the metric checked)
 * before anything is printed, so a bad input gives one line on stderr; then too little input is
 * warned about and `intro` is printed.
 */
export async function scoreFromFlags(
  p: Parsed,
  folder: ModelFolder,
  calibration: Input,
  metric: MetricSpec,
  intro?: string,
): Promise<ImportanceReport> {
  const quiet = bool(p, "quiet");
  const windows = calibration.windows;
  const { runner, close, plan, progressUnit } = await importanceRunner(p, folder, windows, await backendFromFlags(p));
  try {
    const L = runner.numLayers;
    checkMetric(metric, L);
    checkEnoughTokens(p, calibration, "calibration");
    if (intro) note(intro, quiet);
    if (plan.stream) note(`streaming layer by layer: ${plan.reason}`, quiet);
    const byLayer = metric.kind === "ppl" || progressUnit === "layers";
    const progress = new Progress(byLayer ? "layers" : "windows", byLayer ? runner.numLayers : windows.length, {
      quiet,
    });
    const report = await scoreLayers(runner, windows, metric, conventionsFromFlags(p), () => progress.tick());
    progress.done();
    checkMemoryBudget(p, plan);
    return report;
  } finally {
    close();
  }
}
