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
import { filesFolder, type FolderSource, urlFolder } from "../src/io/safetensors_source.ts";
import { barChart } from "../src/report/bar_chart.ts";
import { lineChart } from "../src/report/line_chart.ts";
import { type Analysis, analyze, type AnalyzeOptions, type Backend, prunedFiles } from "./analyze.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const BUNDLED_MODEL = new URL("models/bytellama-12L/", location.href);
const BUNDLED_TEXT = new URL("texts/tinystories_heldout.txt", location.href);

let last: { analysis: Analysis; source: string } | null = null;

/** The bundled held-out text, cut in two halves: one calibrates, the other measures. */
async function bundledHalves(): Promise<[string, string]> {
  const text = await (await fetch(BUNDLED_TEXT)).text();
  const mid = text.lastIndexOf("\n", text.length / 2);
  return [text.slice(0, mid), text.slice(mid + 1)];
}

function chosenFolder(): { folder: FolderSource; source: string } {
  const source = (document.querySelector('input[name="source"]:checked') as HTMLInputElement).value;
  if (source === "folder") {
    const files = [...($("folder") as HTMLInputElement).files ?? []];
    if (files.length === 0) throw new Error("Choose a model folder first (config.json and *.safetensors)");
    const name = files[0].webkitRelativePath.split("/")[0] || "folder";
    return { folder: filesFolder(name, files.map((f) => blobSource(f, f.name))), source: name };
  }
  const url = source === "url" ? ($("url") as HTMLInputElement).value.trim() : BUNDLED_MODEL.href;
  if (!url) throw new Error("Type the model folder's URL first");
  const folder = urlFolder(url, (u) => urlSource(u));
  return { folder, source: folder.name.replace(/\/$/, "").split("/").pop() ?? "model" };
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
    const { folder, source } = chosenFolder();
    const [a, b] = await bundledHalves();
    const text = (choice: string, area: string, bundled: string) =>
      ($(choice) as HTMLSelectElement).value === "paste" ? ($(area) as HTMLTextAreaElement).value : bundled;
    const opts: AnalyzeOptions = {
      folder,
      backend: (document.querySelector('input[name="backend"]:checked') as HTMLInputElement).value as Backend,
      calibration: text("calib-choice", "calib-text", a),
      measurement: text("measure-choice", "measure-text", b),
      window: Number(($("window") as HTMLInputElement).value),
      maxWindows: Number(($("windows") as HTMLInputElement).value),
      onProgress: progress,
    };
    const analysis = await analyze(opts);
    last = { analysis, source };
    show(analysis, source, opts);
    stage.textContent = `done: ${analysis.L} layers on ${analysis.backendName}`;
  } catch (e) {
    stage.textContent = (e as Error).message;
    stage.classList.add("error");
    throw e;
  } finally {
    $("run").removeAttribute("disabled");
  }
}

function show(a: Analysis, source: string, o: AnalyzeOptions): void {
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
function download(): void {
  if (!last) return;
  const k = Number(($("k") as HTMLInputElement).value);
  for (const [file, bytes] of prunedFiles(last.analysis, k, last.source)) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    a.download = file; // config.json, model.safetensors: one folder holds them, as the CLI writes it
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  }
}

$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  runForm().catch((e) => console.error(e));
});
$("download").addEventListener("click", download);
$("threads").textContent = getThreads() > 1
  ? `(CPU: ${getThreads()} threads)`
  : `(CPU: one thread${crossOriginIsolated ? "" : "; the page is not cross-origin isolated"})`;

Object.assign(globalThis, {
  shortgpt: { analyze, prunedFiles, urlFolder, urlSource, runForm, last: () => last },
});
