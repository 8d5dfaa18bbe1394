/// <reference lib="dom" />
/**
 * The page (web/index.html): wires the form to {@link analyze}, draws the charts with the
 * project's own SVG charts, and offers the pruned model as downloads. `globalThis.shortgpt`
 * exposes the same functions to scripts (the browser test drives the page through them and
 * through the form).
 *
 * @module
 */
import { getThreads } from "../src/backend/cpu.ts";
import { blobSource, urlSource } from "../src/io/byte_source.ts";
import { filesFolder, urlFolder } from "../src/io/safetensors_source.ts";
import { barChart } from "../src/report/bar_chart.ts";
import { lineChart } from "../src/report/line_chart.ts";
import type { WorkerRequest } from "./analysis_worker.ts";
import {
  type Analysis,
  type AnalysisSummary,
  analyze,
  type AnalyzeOptions,
  type Backend,
  prunedFiles,
  summarize,
  tokenizerOf,
  webGpuPrecision,
} from "./analyze.ts";
import { folderOf, type FolderSpec } from "./folder_spec.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const BUNDLED_TEXT = new URL("texts/tinystories_heldout.txt", location.href);

/** The last analysis: on this thread (WebGPU, or a page that is not cross-origin isolated) or on the worker. */
let last: { analysis: AnalysisSummary; source: string; here: Analysis | null } | null = null;

/** The bundled held-out text, cut in two halves: one calibrates, the other measures. */
async function bundledHalves(): Promise<[string, string]> {
  const text = await (await fetch(BUNDLED_TEXT)).text();
  const mid = text.lastIndexOf("\n", text.length / 2);
  return [text.slice(0, mid), text.slice(mid + 1)];
}

function chosenFolder(): { spec: FolderSpec; source: string } {
  const source = (document.querySelector('input[name="source"]:checked') as HTMLInputElement).value;
  if (source === "folder") {
    const files = [...($("folder") as HTMLInputElement).files ?? []];
    if (files.length === 0) {
      throw new Error("Choose a model folder first (config.json, *.safetensors and the tokenizer file)");
    }
    const name = files[0].webkitRelativePath.split("/")[0] || "folder";
    return { spec: { name, files }, source: name };
  }
  // The bundled models' radio buttons hold their folder's address on this server.
  const url = source === "url" ? ($("url") as HTMLInputElement).value.trim() : source;
  if (!url) throw new Error("Type the model folder's URL first");
  return { spec: { url }, source: url.replace(/\/$/, "").split("/").pop() ?? "model" };
}

// ---- the analysis worker (cross-origin isolated pages: the CPU backend's worker threads)
let worker: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void; progress?: Progress }>();
type Progress = (stage: string, done: number, total: number) => void;

/** Sends `request` to the analysis worker (started on first use); resolves to its result. */
function ask<T>(request: DistributiveOmit<WorkerRequest, "id">, progress?: Progress): Promise<T> {
  if (!worker) {
    worker = new Worker(new URL("analysis_worker.js", import.meta.url), { type: "module" });
    worker.onmessage = (e) => {
      const w = waiting.get(e.data.id);
      if (!w) return;
      if (e.data.progress) return w.progress?.(...(e.data.progress as [string, number, number]));
      waiting.delete(e.data.id);
      if (e.data.error !== undefined) w.fail(new Error(e.data.error));
      else w.ok(e.data.result);
    };
    worker.onerror = (e) => {
      for (const w of waiting.values()) w.fail(new Error(`The analysis worker failed: ${e.message}`));
      waiting.clear();
    };
  }
  const id = nextId++;
  return new Promise<T>((ok, fail) => {
    waiting.set(id, { ok: ok as (v: unknown) => void, fail, progress });
    worker!.postMessage({ ...request, id });
  });
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Where the CPU analysis runs: on the worker (its matmuls on several threads) where the page is cross-origin isolated. */
const useWorker = (backend: Backend) => backend === "cpu" && crossOriginIsolated;

/**
 * {@link analyze} on the folder `spec`: on the analysis worker for the CPU backend where the page
 * is cross-origin isolated (several threads), else on this thread (one thread for the CPU).
 * `threads`: how many threads the CPU backend used.
 */
async function analyzeSpec(
  spec: FolderSpec,
  opts: Omit<AnalyzeOptions, "folder" | "onProgress">,
  onProgress?: Progress,
  where: "auto" | "worker" | "here" = "auto",
): Promise<{ summary: AnalysisSummary; here: Analysis | null; threads: number }> {
  if (where === "worker" || (where === "auto" && useWorker(opts.backend))) {
    const r = await ask<AnalysisSummary & { threads: number }>(
      { kind: "analyze", folder: spec, base: location.href, opts },
      onProgress,
    );
    const { threads, ...summary } = r;
    return { summary, here: null, threads };
  }
  const here = await analyze({ ...opts, folder: folderOf(spec, location.href), onProgress });
  return { summary: summarize(here), here, threads: getThreads() };
}

function progress(stage: string, done: number, total: number): void {
  const bar = $("progress") as HTMLProgressElement;
  bar.max = Math.max(total, 1);
  bar.value = done;
  $("stage").textContent = stage.startsWith("reading")
    ? `${stage}: ${(done / 2 ** 20).toFixed(1)} of ${(total / 2 ** 20).toFixed(1)} MB`
    : `${stage}: ${done} of ${total}`;
}

/** Runs the analysis the form describes and shows it. */
async function runForm(): Promise<void> {
  const stage = $("stage");
  stage.classList.remove("error");
  $("run").setAttribute("disabled", "");
  try {
    const { spec, source } = chosenFolder();
    const [a, b] = await bundledHalves();
    const text = (choice: string, area: string, bundled: string) =>
      ($(choice) as HTMLSelectElement).value === "paste" ? ($(area) as HTMLTextAreaElement).value : bundled;
    const opts = {
      backend: (document.querySelector('input[name="backend"]:checked') as HTMLInputElement).value as Backend,
      calibration: text("calib-choice", "calib-text", a),
      measurement: text("measure-choice", "measure-text", b),
      window: Number(($("window") as HTMLInputElement).value),
      maxWindows: Number(($("windows") as HTMLInputElement).value),
    };
    const { summary, here, threads } = await analyzeSpec(spec, opts, progress);
    last = { analysis: summary, source, here };
    show(summary, source, opts);
    const cpuThreads = threads > 1 ? `${threads} threads` : "one thread";
    stage.textContent = `done: ${summary.L} layers on ${summary.backendName}${
      summary.backendName === "cpu" ? ` (${cpuThreads})` : ""
    }`;
  } catch (e) {
    stage.textContent = (e as Error).message;
    stage.classList.add("error");
    throw e;
  } finally {
    $("run").removeAttribute("disabled");
  }
}

function show(a: AnalysisSummary, source: string, o: { window: number }): void {
  const texts =
    `calibration: ${a.tokens.calibration} tokens; measurement: ${a.tokens.measurement} tokens of another text`;
  $("bi-chart").innerHTML = barChart({
    title: `Block Influence per layer: ${source}`,
    xLabel: "layer",
    yLabel: "BI",
    labels: a.bi.scores.map((_, i) => String(i)),
    values: a.bi.scores,
    highlight: [a.bi.order[0]],
    highlightLabel: "lowest BI (removed first)",
    note: `${texts}; ${a.backendName} backend`,
  });
  $("order").textContent = `Removal order (lowest BI first): ${a.bi.order.join(", ")}`;
  $("ppl-chart").innerHTML = lineChart({
    title: `Perplexity after removing the k lowest-BI layers: ${source}`,
    xLabel: "removed layers k",
    yLabel: "perplexity",
    series: [{ name: "ShortGPT (BI order)", x: a.ppl.map((_, k) => k), y: a.ppl }],
    logY: true,
    xIntegers: true,
    note: `BI on the calibration text, perplexity on the measurement text; ${o.window}-token windows`,
  });
  ($("k") as HTMLInputElement).max = String(a.L - 1);
  $("results").hidden = false;
}

/** Offers the files of the model without the k lowest-BI layers as downloads. */
async function download(): Promise<void> {
  if (!last) return;
  const k = Number(($("k") as HTMLInputElement).value);
  const files = last.here
    ? prunedFiles(last.here, k, last.source)
    : new Map(await ask<[string, Uint8Array][]>({ kind: "pruned", k, source: last.source }));
  for (const [file, bytes] of files) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    a.download = file; // config.json, model.safetensors, the tokenizer: one folder holds them, as the CLI writes it
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  }
}

$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  runForm().catch((e) => console.error(e));
});
$("download").addEventListener("click", () => void download().catch((e) => console.error(e)));
$("threads").textContent = crossOriginIsolated
  ? `(CPU: ${Math.min(8, navigator.hardwareConcurrency || 1)} threads, on a worker)`
  : "(CPU: one thread; the page is not cross-origin isolated)";

Object.assign(globalThis, {
  shortgpt: {
    analyze,
    analyzeSpec,
    prunedFiles,
    tokenizerOf,
    urlFolder,
    urlSource,
    filesFolder,
    blobSource,
    folderOf,
    runForm,
    last: () => last,
    webGpuPrecision,
  },
});
