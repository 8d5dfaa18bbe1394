/** `shortgpt importance <model>`: score every layer by a metric; print the removal order. @module */
import { METRICS, parseMetric } from "../importance/mod.ts";
import { barChart } from "../report/svg.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, str } from "./args.ts";
import { modelName, requireModel, withModel } from "./common.ts";
import type { ModelFolder } from "../models/load.ts";
import { MEMORY_FLAGS } from "./memory.ts";
import { note, out, refuseInsideModel, writeFileAtomic } from "./output.ts";
import {
  CALIBRATION_FLAGS,
  calibrationFromFlags,
  CONVENTION_FLAGS,
  figureTitle,
  importanceTable,
  metricName,
  reportFields,
  scoreFromFlags,
  textNote,
} from "./shared.ts";

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
    "shortgpt importance testdata/models/bytellama-12L --text-file testdata/texts/tinystories_calibration.txt",
    "shortgpt importance MODEL --text-file wiki.txt --metric bi --reduce sum --last-hidden hf --json bi.json",
  ],
};

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
  const calibration = calibrationFromFlags(p, folder);
  const intro = `${
    metric.kind === "ppl" ? "ppl metric" : "importance"
  }: calibration text ${calibration.text.source}, ${calibration.text.windows} windows, ${calibration.text.tokens} tokens`;
  const report = await scoreFromFlags(p, folder, calibration, metric, intro);
  const full = { model: dir, calibration: calibration.text, ...report, ...reportFields(p) };
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
        title: figureTitle(`${metricName(report.metric)} per layer`, modelName(dir)),
        xLabel: report.metric.startsWith("angular") ? "first layer of the block" : "layer",
        yLabel: report.metric,
        labels: report.scores.map((_, i) => String(i)),
        values: report.scores,
        barLabel: `${report.metric} of each layer`,
        highlight: report.order.slice(0, 1),
        highlightLabel: "removed first (lowest score)",
        note: `calibration text ${textNote(calibration.text)}`,
      }),
    );
  }
  if (json !== "-") {
    out(importanceTable(report));
    out(`removal order (${report.metric}, ascending): ${report.order.join(", ")}`);
    for (const [f, path] of [["json", json], ["md", md], ["svg", svg]]) if (path) note(`wrote ${f}: ${path}`, quiet);
  }
}
