/** `shortgpt importance <model>`: score every layer by a metric; print the removal order. @module */
import {
  checkMetric,
  type ImportanceReport,
  METRICS,
  type MetricSpec,
  parseMetric,
  scoreLayers,
} from "../importance/mod.ts";
import { barChart } from "../report/svg.ts";
import { formatNumber, markdownTable } from "../report/markdown.ts";
import { Progress } from "../report/progress.ts";
import { countTokens } from "../calibration.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, str } from "./args.ts";
import { CALIBRATION_FLAGS, windowsFromFlags } from "./calibration_flags.ts";
import { modelName, requireModel, withModel } from "./common.ts";
import type { ModelFolder } from "../models/load.ts";
import { importanceRunner, MEMORY_FLAGS, peakRss } from "./memory.ts";
import { note, out, refuseInsideModel, writeFileAtomic } from "./output.ts";

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

export const spec: CommandSpec = {
  name: "importance",
  summary: "score every layer (Block Influence and other metrics) and print the removal order",
  usage:
    "shortgpt importance <model> (--text-file F | --ids-file F | --ids IDS) [--metric M] [--json F] [--svg F] [--md F]",
  description: `
Metrics (low score = removable; removal order = ascending score, ties to the lower index):
  bi          Block Influence, paper Eq. 2: 1 - mean_t cos(X_i[t], X_{i+1}[t])
  relmag      relative magnitude ||X_{i+1} - X_i|| / ||X_{i+1}||
  angular:N   arccos(cos(X_i, X_{i+N}))/pi on each window's last token (blocks of N layers)
  sequential  remove layer 0 first (paper Table 3)     reverse  remove the last layer first
  ppl         perplexity with only that layer removed (paper Fig. 3; runs the model L times)
X_0 = token embeddings, X_i = input of layer i; every token of every window counts (BOS too).`,
  positionals: ["model"],
  flags: {
    metric: { type: "string", arg: "M", default: "bi", help: `one of ${METRICS.join(", ")}` },
    ...CALIBRATION_FLAGS,
    ...CONVENTION_FLAGS,
    ...MEMORY_FLAGS,
    json: { type: "string", arg: "F", help: "write the report as JSON (- for stdout)" },
    svg: { type: "string", arg: "F", help: "write a bar chart of the scores" },
    md: { type: "string", arg: "F", help: "write a Markdown table of the scores" },
  },
  examples: [
    "shortgpt importance testdata/models/bytellama-12L --text-file testdata/texts/tinystories_heldout.txt",
    "shortgpt importance MODEL --text-file wiki.txt --metric bi --reduce sum --last-hidden hf --json bi.json",
  ],
};

/** The report as a Markdown table: layer, score, rank in the removal order. */
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
 * Scores the layers as the flags say (conventions, streaming), with progress on stderr. The
 * model is opened (and its config, tensors and the metric checked) before anything is printed,
 * so a bad input gives one line on stderr; `intro` is printed after that.
 */
export async function scoreFromFlags(
  p: Parsed,
  folder: ModelFolder,
  windows: Int32Array[],
  metric: MetricSpec,
  intro?: string,
): Promise<ImportanceReport> {
  const quiet = bool(p, "quiet");
  const { runner, close, plan, progressUnit } = await importanceRunner(p, folder, windows);
  try {
    const L = runner.numLayers;
    checkMetric(metric, L);
    if (intro) note(intro, quiet);
    if (plan.stream) note(`streaming layer by layer: ${plan.reason}`, quiet);
    const byLayer = metric.kind === "ppl" || progressUnit === "layers";
    const progress = new Progress(byLayer ? "layers" : "windows", byLayer ? runner.numLayers : windows.length, {
      quiet,
    });
    const report = await scoreLayers(runner, windows, metric, {
      reduce: str(p, "reduce") as "mean" | "sum",
      lastHidden: str(p, "last-hidden") as "raw" | "hf",
    }, () => progress.tick());
    progress.done();
    if (plan.stream) {
      note(
        `peak memory ${(peakRss() / 2 ** 20).toFixed(0)} MiB (budget ${(plan.budget / 2 ** 20).toFixed(0)} MiB)`,
        quiet,
      );
    }
    return report;
  } finally {
    close();
  }
}

export async function run(p: Parsed): Promise<void> {
  await withModel(requireModel(p, spec), (folder) => importance(p, folder));
}

/** The command on a model folder opened once: config.json and the headers are read one time. */
async function importance(p: Parsed, folder: ModelFolder): Promise<void> {
  const dir = folder.dir;
  const metric = parseMetric(str(p, "metric")!);
  for (const f of ["json", "svg", "md"]) {
    const path = str(p, f);
    if (path && path !== "-") refuseInsideModel(path, dir);
  }
  const quiet = bool(p, "quiet");
  const windows = windowsFromFlags(p, folder);
  const intro = `${metric.kind === "ppl" ? "ppl metric" : "importance"}: ${windows.length} windows, ${
    countTokens(windows)
  } tokens`;
  const report = await scoreFromFlags(p, folder, windows, metric, intro);
  const full = { model: dir, ...report };
  const json = str(p, "json");
  if (json === "-") out(JSON.stringify(full));
  else if (json) writeFileAtomic(json, JSON.stringify(full, null, 2) + "\n");
  const md = str(p, "md");
  if (md) writeFileAtomic(md, `# ${report.metric} of ${dir}\n\n${importanceTable(report)}\n`);
  const svg = str(p, "svg");
  if (svg) {
    writeFileAtomic(
      svg,
      barChart({
        title: `${report.metric} per layer: ${modelName(dir)}`,
        xLabel: report.metric.startsWith("angular") ? "first layer of the block" : "layer",
        yLabel: report.metric,
        labels: report.scores.map((_, i) => String(i)),
        values: report.scores,
        highlight: report.order.slice(0, 1),
        note: `${report.windows} windows, ${report.tokens} tokens; lowest score highlighted`,
      }),
    );
  }
  if (json !== "-") {
    out(importanceTable(report));
    out(`removal order (${report.metric}, ascending): ${report.order.join(", ")}`);
    for (const [f, path] of [["json", json], ["md", md], ["svg", svg]]) if (path) note(`wrote ${f}: ${path}`, quiet);
  }
}
