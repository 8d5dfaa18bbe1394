/** `shortgpt sweep <model>`: the paper's figures (removal curves, single-layer ppl, metric values). @module */
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { formatNumber, markdownTable } from "../report/markdown.ts";
import { Progress } from "../report/progress.ts";
import { barChart, lineChart } from "../report/svg.ts";
import { parseSweepMetrics, sweep, SWEEP_METRICS, type SweepResult } from "../experiments/sweep.ts";
import { version } from "../version.ts";
import { readTaskItems, scoreTaskItems } from "../eval/evaluate.ts";
import type { ModelFolder } from "../models/load.ts";
import { loadTokenizer } from "../io/tokenizer/mod.ts";
import type { CausalLM } from "../models/model.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, num, str } from "./args.ts";
import { checkIds } from "../models/forward.ts";
import { loadForCli } from "./backend.ts";
import { CALIBRATION_FLAGS, windowsFromFlags } from "./calibration_flags.ts";
import { modelName, requireModel, withModel } from "./common.ts";
import { CONVENTION_FLAGS } from "./importance.ts";
import { note, out, refuseInsideModel, writeFileAtomic } from "./output.ts";

export const spec: CommandSpec = {
  name: "sweep",
  summary: "the paper's figures: perplexity vs removed layers per metric, single-layer removal, metric values",
  usage: "shortgpt sweep <model> (--text-file F | --ids-file F) [--metrics bi,relmag,...] [--max-remove K] [--out DIR]",
  description: `
For each metric, removes 0..K layers in that metric's order and measures perplexity (paper
Fig. 2b and Fig. 5); measures perplexity with each single layer removed (Fig. 3); and records
each metric's value per layer (Fig. 8). Writes to --out (default sweep-<model>/):
  sweep.json          every number, with the conventions used
  sweep.md            the same as Markdown tables
  removal_curves.svg  perplexity vs layers removed, one line per metric (log scale)
  single_layer.svg    perplexity with each layer removed alone, dense model as a reference line
  metric_<name>.svg   the metric's value per layer`,
  positionals: ["model"],
  flags: {
    metrics: { type: "string", arg: "LIST", default: SWEEP_METRICS.join(","), help: "metrics to sweep" },
    "max-remove": { type: "int", arg: "K", help: "remove at most K layers (default L-1)" },
    ...CALIBRATION_FLAGS,
    ...CONVENTION_FLAGS,
    out: { type: "string", arg: "DIR", help: "folder for the reports" },
    task: {
      type: "string",
      arg: "NAME",
      help: "also measure this eval task's accuracy at every k (Fig. 5 right); see shortgpt eval",
    },
    data: { type: "string", arg: "DIR", help: "the task's data folder (with --task)" },
    limit: { type: "int", arg: "N", default: 200, help: "items of the task per measurement (with --task)" },
  },
  examples: [
    "shortgpt sweep testdata/models/bytellama-12L --text-file testdata/texts/tinystories_heldout.txt --max-windows 16",
  ],
};

/** Markdown tables of a sweep. */
export function sweepMarkdown(name: string, r: SweepResult): string {
  const metrics = Object.keys(r.curves);
  const K = r.curves[metrics[0]].ppl.length - 1;
  const curve = markdownTable(
    ["layers removed", ...metrics],
    Array.from({ length: K + 1 }, (_, k) => [k, ...metrics.map((m) => formatNumber(r.curves[m].ppl[k], 4))]),
    ["r", ...metrics.map(() => "r" as const)],
  );
  const accMetrics = metrics.filter((m) => r.curves[m].acc);
  const accTable = accMetrics.length === 0 ? "" : [
    "",
    "## Task accuracy after removing the first k layers (Fig. 5, right)",
    "",
    markdownTable(
      ["layers removed", ...accMetrics],
      Array.from({ length: K + 1 }, (_, k) => [k, ...accMetrics.map((m) => formatNumber(r.curves[m].acc![k], 4))]),
      ["r", ...accMetrics.map(() => "r" as const)],
    ),
  ].join("\n");
  const orders = markdownTable(
    ["metric", "removal order (first removed first)"],
    metrics.map((m) => [m, r.curves[m].order.join(", ")]),
  );
  const valued = metrics.filter((m) => m === "bi" || m === "relmag"); // metrics with values per layer
  const perLayer = markdownTable(
    ["layer", "ppl without it", ...valued],
    r.single_layer_ppl.map((
      p,
      i,
    ) => [i, formatNumber(p, 4), ...valued.map((m) => formatNumber(r.curves[m].scores[i], 5))]),
    ["r", "r", ...valued.map(() => "r" as const)],
  );
  return [
    `# Layer-removal sweep of ${name}`,
    "",
    `${r.layers} layers; ${r.windows} calibration windows, ${r.tokens} tokens; dense perplexity ${
      formatNumber(r.dense_ppl, 4)
    }.`,
    `Conventions: last hidden ${r.conventions.lastHidden}, reduce ${r.conventions.reduce}; removal order = ascending score, ties to the lower index.`,
    "",
    "## Perplexity after removing the first k layers of each metric's order (Fig. 2b / Fig. 5)",
    "",
    curve,
    accTable,
    "",
    "## Removal orders",
    "",
    orders,
    "",
    "## Per layer: perplexity with only that layer removed (Fig. 3) and metric values (Fig. 8)",
    "",
    perLayer,
    "",
  ].join("\n");
}

export async function run(p: Parsed): Promise<void> {
  await withModel(requireModel(p, spec), (folder) => sweepCommand(p, folder));
}

/** The command on a model folder opened once: config.json and the headers are read one time. */
async function sweepCommand(p: Parsed, folder: ModelFolder): Promise<void> {
  const dir = folder.dir;
  const name = modelName(dir);
  const outDir = str(p, "out") ?? `sweep-${name}`;
  refuseInsideModel(outDir, dir, "folder");
  const metrics = parseSweepMetrics(str(p, "metrics")!);
  const quiet = bool(p, "quiet");
  const windows = windowsFromFlags(p, folder);
  const task = str(p, "task"), data = str(p, "data");
  if ((task === undefined) !== (data === undefined)) {
    throw new UserError(`--task and --data go together: give both or neither`);
  }
  // The task's items, read once now: a bad --task or --data fails before any work.
  const taskItems = task === undefined ? undefined : readTaskItems(task, data!, { limit: num(p, "limit") });
  const model = await loadForCli(folder, p);
  for (const w of windows) checkIds(model, w); // a bad id: one line, before any progress
  const L = model.blocks.length, maxRemove = num(p, "max-remove");
  if (maxRemove !== undefined && !(maxRemove >= 0 && maxRemove <= L - 1)) {
    throw new UserError(`--max-remove ${maxRemove}: give a number from 0 to ${L - 1} (the model has ${L} layers)`);
  }
  let accuracy: ((m: CausalLM<unknown>) => Promise<number>) | undefined;
  if (taskItems) {
    const tok = loadTokenizer(dir, folder.raw);
    accuracy = async (m) => (await scoreTaskItems(m, tok, taskItems)).acc;
  }
  let bar: Progress | undefined, phase = "";
  const r = await sweep(model, windows, metrics, {
    maxRemove,
    conventions: { reduce: str(p, "reduce") as "mean" | "sum", lastHidden: str(p, "last-hidden") as "raw" | "hf" },
    accuracy,
    onProgress: (ph, _done, total) => {
      if (ph !== phase) {
        bar?.done();
        bar = new Progress(ph, total, { quiet });
        phase = ph;
      }
      bar!.tick();
    },
  });
  bar?.done();
  const note_ = `${name}: ${r.windows} windows, ${r.tokens} tokens; last hidden ${r.conventions.lastHidden}`;
  const files: Record<string, string> = {
    "sweep.json": JSON.stringify({ model: dir, version, ...r }, null, 2) + "\n",
    "sweep.md": sweepMarkdown(name, r),
    "removal_curves.svg": lineChart({
      title: `Perplexity vs layers removed: ${name}`,
      xLabel: "layers removed",
      yLabel: "perplexity",
      logY: true,
      xIntegers: true,
      series: Object.entries(r.curves).map(([m, c]) => ({ name: m, x: c.ppl.map((_, k) => k), y: c.ppl })),
      note: note_,
    }),
    "single_layer.svg": barChart({
      title: `Perplexity with one layer removed: ${name}`,
      xLabel: "removed layer",
      yLabel: "perplexity",
      labels: r.single_layer_ppl.map((_, i) => String(i)),
      values: r.single_layer_ppl,
      baseline: { value: r.dense_ppl, label: `dense ${formatNumber(r.dense_ppl, 4)}` },
      logY: Math.max(...r.single_layer_ppl) / r.dense_ppl > 20,
      note: note_,
    }),
  };
  if (task !== undefined) {
    files["accuracy_curves.svg"] = lineChart({
      title: `${task} accuracy vs layers removed: ${name}`,
      xLabel: "layers removed",
      yLabel: "accuracy",
      xIntegers: true,
      series: Object.entries(r.curves).map(([m, c]) => ({
        name: m,
        x: (c.acc ?? []).map((_, k) => k),
        y: c.acc ?? [],
      })),
      note: `${task}, first ${num(p, "limit")} items; ${note_}`,
    });
  }
  for (const m of ["bi", "relmag"]) {
    const c = r.curves[m];
    if (!c) continue;
    files[`metric_${m}.svg`] = barChart({
      title: `${m === "bi" ? "Block Influence" : "Relative magnitude"} per layer: ${name}`,
      xLabel: "layer",
      yLabel: m,
      labels: c.scores.map((_, i) => String(i)),
      values: c.scores,
      highlight: c.order.slice(0, Math.min(3, c.order.length)),
      note: `${note_}; the three lowest highlighted`,
    });
  }
  for (const [f, text] of Object.entries(files)) writeFileAtomic(join(outDir, f), text);
  out(sweepMarkdown(name, r));
  note(`wrote ${Object.keys(files).map((f) => join(outDir, f)).join(", ")}`, quiet);
}
