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
import { checkWindows } from "../models/forward.ts";
import { modelName, requireModel, withModel } from "./common.ts";
import { note, out, refuseInsideModel, warn, writeFileAtomic } from "./output.ts";
import {
  CALIBRATION_FLAGS,
  calibrationFromFlags,
  checkEnoughTokens,
  CONVENTION_FLAGS,
  conventionsFromFlags,
  figureTitle,
  loadForCli,
  MEASUREMENT_FLAGS,
  measurementFromFlags,
  metricName,
  reportFields,
  textNote,
  type TextSource,
} from "./shared.ts";

export const spec: CommandSpec = {
  name: "sweep",
  summary: "the paper's figures: perplexity vs removed layers per metric, single-layer removal, metric values",
  usage:
    "shortgpt sweep <model> (--text-file F | --ids-file F) --eval-text-file F [--metrics bi,relmag,...] [--max-remove K] [--out DIR]",
  description: `
For each metric, removes 0..K layers in that metric's order and measures perplexity (paper
Fig. 2b and Fig. 5); measures perplexity with each single layer removed (Fig. 3); and records
each metric's value per layer (Fig. 8). Metrics (and the ppl metric's order) come from the
calibration text (--text-file); every perplexity is measured on the evaluation text
(--eval-text-file), a different one. Without --eval-text-file perplexity is measured on the
calibration text, which flatters the metrics: a warning says so. Writes to --out (default
sweep-<model>/):
  sweep.json          every number, with the conventions used
  sweep.md            the same as Markdown tables
  removal_curves.svg  perplexity vs layers removed, one line per metric (log scale), dense line
  single_layer.svg    perplexity with each layer removed alone, dense model as a reference line
  metric_<name>.svg   the metric's value per layer
  accuracy_curves.svg with --task: accuracy vs layers removed, 95% error bars, chance line`,
  positionals: ["model"],
  flags: {
    metrics: { type: "string", arg: "LIST", default: SWEEP_METRICS.join(","), help: "metrics to sweep" },
    "max-remove": { type: "int", arg: "K", help: "remove at most K layers (default L-1)" },
    ...CALIBRATION_FLAGS,
    ...MEASUREMENT_FLAGS,
    ...CONVENTION_FLAGS,
    out: { type: "string", arg: "DIR", help: "folder for the reports (its parent must exist)" },
    task: {
      type: "string",
      arg: "NAME",
      help: "also measure this eval task's accuracy at every k (Fig. 5 right); see shortgpt eval",
    },
    data: { type: "string", arg: "DIR", help: "the task's data folder (with --task)" },
    limit: { type: "int", arg: "N", default: 200, help: "items of the task per measurement (with --task)" },
  },
  examples: [
    "shortgpt sweep testdata/models/bytellama-12L --text-file testdata/texts/tinystories_calibration.txt --max-windows 16 --eval-text-file testdata/texts/tinystories_heldout.txt",
  ],
};

/** The texts of a sweep: which chose the layers, which measured perplexity. */
export interface SweepTexts {
  calibration: TextSource;
  measurement: TextSource;
}

/** Markdown tables of a sweep. */
export function sweepMarkdown(name: string, r: SweepResult, texts: SweepTexts, task?: TaskNote): string {
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
    task
      ? `${task.name}, first ${task.n} items; chance ${formatNumber(task.chance, 3)}; 95% interval about ±${
        formatNumber(1.96 * Math.sqrt(0.25 / task.n), 2)
      } at accuracy 0.5.`
      : "",
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
  const same = texts.calibration.source === texts.measurement.source;
  return [
    `# Layer-removal sweep of ${name}`,
    "",
    `${r.layers} layers. Calibration text (metrics, removal orders): \`${texts.calibration.source}\`, ${r.windows} windows, ${r.tokens} tokens.`,
    `Measurement text (every perplexity): \`${texts.measurement.source}\`, ${r.eval_windows} windows, ${r.eval_tokens} tokens${
      same ? " (the calibration text itself: perplexities flatter the metrics)" : ""
    }; dense perplexity ${formatNumber(r.dense_ppl, 4)}.`,
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

/** What the accuracy figure says about its task: name, items, chance accuracy. */
export interface TaskNote {
  name: string;
  n: number;
  chance: number;
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
  const calibration = calibrationFromFlags(p, folder);
  const measurement = measurementFromFlags(p, folder);
  const task = str(p, "task"), data = str(p, "data");
  if ((task === undefined) !== (data === undefined)) {
    throw new UserError(`--task and --data go together: give both or neither`);
  }
  // The task's items, read once now: a bad --task or --data fails before any work.
  const taskItems = task === undefined ? undefined : readTaskItems(task, data!, { limit: num(p, "limit") });
  const model = await loadForCli(folder, p);
  checkWindows(model, [...calibration.windows, ...measurement?.windows ?? []]); // before any progress (checked once)
  const L = model.blocks.length, maxRemove = num(p, "max-remove");
  if (maxRemove !== undefined && !(maxRemove >= 0 && maxRemove <= L - 1)) {
    throw new UserError(`--max-remove ${maxRemove}: give a number from 0 to ${L - 1} (the model has ${L} layers)`);
  }
  checkEnoughTokens(p, calibration, "calibration");
  if (measurement) checkEnoughTokens(p, measurement, "measurement");
  else {
    warn(
      p,
      "perplexity is measured on the calibration text, which flatters the metrics; give a different text " +
        "with --eval-text-file",
    );
  }
  let accuracy: ((m: CausalLM<unknown>) => Promise<number>) | undefined;
  if (taskItems) {
    const tok = loadTokenizer(dir, folder.raw);
    accuracy = async (m) => (await scoreTaskItems(m, tok, taskItems)).acc;
  }
  let bar: Progress | undefined, phase = "";
  const r = await sweep(model, calibration.windows, metrics, {
    maxRemove,
    evalWindows: measurement?.windows,
    conventions: conventionsFromFlags(p),
    accuracy,
    checkIds: false,
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
  const texts: SweepTexts = { calibration: calibration.text, measurement: (measurement ?? calibration).text };
  const taskNote: TaskNote | undefined = taskItems && {
    name: task!,
    n: taskItems.items.length,
    chance: taskItems.items.reduce((a, it) => a + 1 / it.choices.length, 0) / taskItems.items.length,
  };
  const files = sweepFigures(name, r, texts, taskNote);
  files["sweep.json"] = JSON.stringify(
    { model: dir, version, ...texts, ...r, ...(taskNote ? { task: taskNote } : {}), ...reportFields(p) },
    null,
    2,
  ) + "\n";
  files["sweep.md"] = sweepMarkdown(name, r, texts, taskNote);
  for (const [f, text] of Object.entries(files)) writeFileAtomic(join(outDir, f), text);
  out(files["sweep.md"]);
  note(`wrote ${Object.keys(files).map((f) => join(outDir, f)).join(", ")}`, quiet);
}

/**
 * The sweep's figures, one title scheme ("<what>: <model>"), each note naming the calibration and
 * the measurement text.
 */
export function sweepFigures(name: string, r: SweepResult, texts: SweepTexts, task?: TaskNote): Record<string, string> {
  const calib = `calibration text ${textNote(texts.calibration)}`;
  const measured = texts.calibration.source === texts.measurement.source
    ? "perplexity on the calibration text itself"
    : `perplexity on ${textNote(texts.measurement)}`;
  const note_ = `${calib}; ${measured}; last hidden ${r.conventions.lastHidden}`;
  const dense = { value: r.dense_ppl, label: `dense model, all ${r.layers} layers` };
  const legendName = (m: string) => m === "ppl" ? "ppl (single-layer perplexity, oracle)" : m;
  const files: Record<string, string> = {
    "removal_curves.svg": lineChart({
      title: figureTitle("Perplexity vs layers removed", name),
      xLabel: "layers removed",
      yLabel: "perplexity (log scale)",
      logY: true,
      xIntegers: true,
      series: Object.entries(r.curves).map(([m, c]) => ({ name: legendName(m), x: c.ppl.map((_, k) => k), y: c.ppl })),
      refLines: [dense],
      note: note_,
    }),
    "single_layer.svg": barChart({
      title: figureTitle("Perplexity with one layer removed", name),
      xLabel: "removed layer",
      yLabel: "perplexity",
      labels: r.single_layer_ppl.map((_, i) => String(i)),
      values: r.single_layer_ppl,
      barLabel: "single-layer perplexity (oracle)",
      baseline: dense,
      logY: Math.max(...r.single_layer_ppl) / r.dense_ppl > 20,
      note: `perplexity on ${textNote(texts.measurement)}`,
    }),
  };
  const accCurves = Object.entries(r.curves).filter(([, c]) => c.acc);
  if (task && accCurves.length) {
    const half = (a: number) => 1.96 * Math.sqrt(Math.max(a * (1 - a), 0) / task.n);
    files["accuracy_curves.svg"] = lineChart({
      title: figureTitle(`${task.name} accuracy vs layers removed`, name),
      xLabel: "layers removed",
      yLabel: "accuracy",
      xIntegers: true,
      series: accCurves.map(([m, c]) => ({
        name: legendName(m),
        x: c.acc!.map((_, k) => k),
        y: c.acc!,
        err: c.acc!.map(half),
      })),
      refLines: task.chance > 0 ? [{ value: task.chance, label: "chance" }] : [],
      yMin: 0,
      yMax: 1,
      note:
        `${task.name}, first ${task.n} items; bars: 95% interval (1.96 standard errors, normal approximation); ${calib}`,
    });
  }
  for (const m of ["bi", "relmag"]) {
    const c = r.curves[m];
    if (!c) continue;
    files[`metric_${m}.svg`] = barChart({
      title: figureTitle(`${metricName(m)} per layer`, name),
      xLabel: "layer",
      yLabel: m,
      labels: c.scores.map((_, i) => String(i)),
      values: c.scores,
      barLabel: `${m} of each layer`,
      highlight: c.order.slice(0, Math.min(3, c.order.length)),
      highlightLabel: "the 3 lowest: removed first",
      note: `${calib}; last hidden ${r.conventions.lastHidden}`,
    });
  }
  return files;
}
