/** `shortgpt head-sweep <model>`: perplexity with each single attention head removed (paper Fig. 6). @module */
import { join } from "node:path";
import { headSweep, type HeadSweepResult } from "../experiments/head_sweep.ts";
import { checkLayerIndices } from "../prune/remove_layers.ts";
import { formatNumber, markdownTable } from "../report/markdown.ts";
import { Progress } from "../report/progress.ts";
import { heatMap } from "../report/svg.ts";
import { version } from "../version.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, str } from "./args.ts";
import { checkWindows } from "../models/forward.ts";
import {
  CALIBRATION_FLAGS,
  calibrationFromFlags,
  checkEnoughTokens,
  figureTitle,
  loadForCli,
  reportFields,
  textNote,
} from "./shared.ts";
import { modelName, requireModel, withModel } from "./common.ts";
import type { ModelFolder } from "../models/load.ts";
import { parseLayerList } from "./inputs.ts";
import { note, out, refuseInsideModel, writeFileAtomic } from "./output.ts";

export const spec: CommandSpec = {
  name: "head-sweep",
  summary: "perplexity with each single attention head removed, per layer and head (the paper's Fig. 6)",
  usage:
    "shortgpt head-sweep <model> (--text-file F | --ids-file F) [--layers 0,3,...] [--window N] [--max-windows N] [--out DIR]",
  description: `
Measures the dense perplexity, then the perplexity with only head h of layer l removed, for every
head of every layer (or of --layers), over the calibration windows. Heads are removed by zeroing
their o_proj columns (mask mode), which gives the same logits as removing them physically.
Layer and head numbers are the folder's own (0-based). Writes to --out (default head-sweep-<model>/):
  head_sweep.json   every number: layers, heads, dense_ppl, ppl[layer][head], windows, tokens
  head_sweep.md     the same as a Markdown table
  head_sweep.svg    heat map, layers × heads, colour = perplexity (log scale when it spans > 10×)
Cost: one perplexity run per head (L·H runs) plus the dense one; --max-windows bounds each run.`,
  positionals: ["model"],
  flags: {
    layers: { type: "string", arg: "LIST", help: "only these layers, e.g. 0,3 (default: all)" },
    ...CALIBRATION_FLAGS,
    out: { type: "string", arg: "DIR", help: "folder for the reports" },
  },
  examples: [
    "shortgpt head-sweep testdata/models/stories260K --text-file testdata/texts/tinystories_heldout.txt --max-windows 4",
    "shortgpt head-sweep MODEL --text-file calib.txt --layers 0,15,31 --window 512 --max-windows 8",
  ],
};

/** The Markdown report of a head sweep. */
export function headSweepMarkdown(name: string, r: HeadSweepResult): string {
  const maxH = Math.max(...r.heads);
  const table = markdownTable(
    ["layer", ...Array.from({ length: maxH }, (_, h) => `head ${h}`)],
    r.layers.map((l, i) => [l, ...Array.from({ length: maxH }, (_, h) => r.ppl[i][h] ?? null)]),
  );
  const cells = r.layers.flatMap((l, i) => r.ppl[i].map((p, h) => ({ l, h, p }))).filter((c) => c.p !== null) as {
    l: number;
    h: number;
    p: number;
  }[];
  const list = (cs: typeof cells) => cs.map((c) => `${c.l}:${c.h} (${formatNumber(c.p, 4)})`).join(", ");
  const sorted = [...cells].sort((a, b) => a.p - b.p || a.l - b.l || a.h - b.h);
  const k = Math.min(5, sorted.length);
  return [
    `# Head-removal sweep of ${name}`,
    "",
    `${r.windows} calibration windows, ${r.tokens} tokens; dense perplexity ${formatNumber(r.dense_ppl, 4)}.`,
    `Each cell: perplexity with only that head removed (heads masked: o_proj columns zeroed; same logits as physical removal).`,
    "",
    table.trimEnd(),
    "",
    `Least harmful to remove (LAYER:HEAD): ${list(sorted.slice(0, k))}`,
    "",
    `Most harmful to remove: ${list(sorted.slice(-k).reverse())}`,
    "",
  ].join("\n");
}

export async function run(p: Parsed): Promise<void> {
  await withModel(requireModel(p, spec), (folder) => headSweepCommand(p, folder));
}

/** The command on a model folder opened once: config.json and the headers are read one time. */
async function headSweepCommand(p: Parsed, folder: ModelFolder): Promise<void> {
  const dir = folder.dir;
  const name = modelName(dir);
  const outDir = str(p, "out") ?? `head-sweep-${name}`;
  refuseInsideModel(outDir, dir, "folder");
  const quiet = bool(p, "quiet");
  const layersFlag = str(p, "layers");
  const layers = layersFlag === undefined ? undefined : parseLayerList(layersFlag, "--layers");
  // Perplexity is measured on this text: it is the report's measurement text.
  const measurement = calibrationFromFlags(p, folder);
  const windows = measurement.windows;
  const model = await loadForCli(folder, p);
  checkWindows(model, windows); // a bad id: one line, before any progress (checked once)
  if (layers) checkLayerIndices(layers, model.blocks.length); // a bad layer too (--layers is never empty)
  checkEnoughTokens(p, measurement, "measurement");
  let bar: Progress | undefined;
  const r = await headSweep(model, windows, {
    layers,
    checkIds: false,
    onProgress: (_done, total) => {
      bar ??= new Progress("windows (dense + one run per head)", total, { quiet });
      bar.tick();
    },
  });
  bar?.done();
  const maxH = Math.max(...r.heads);
  const measured = r.ppl.flat().filter((x): x is number => x !== null);
  const files: Record<string, string> = {
    "head_sweep.json": JSON.stringify(
      { model: dir, version, measurement: measurement.text, ...r, ...reportFields(p) },
      null,
      2,
    ) + "\n",
    "head_sweep.md": headSweepMarkdown(name, r),
    "head_sweep.svg": heatMap({
      title: figureTitle("Perplexity with one attention head removed", name),
      xLabel: "removed head",
      yLabel: "layer",
      xLabels: Array.from({ length: maxH }, (_, h) => String(h)),
      yLabels: r.layers.map(String),
      values: r.ppl.map((row) => Array.from({ length: maxH }, (_, h) => row[h] ?? null)),
      colorLabel: "perplexity",
      logColor: measured.length > 0 && Math.max(...measured) / Math.min(...measured) > 10,
      note: `dense perplexity ${formatNumber(r.dense_ppl, 4)}; perplexity on ${textNote(measurement.text)}; ` +
        "heads masked (o_proj columns zeroed)" +
        (measured.length < r.layers.length * maxH ? "; hatched: a layer's only head, or no such head" : ""),
    }),
  };
  for (const [f, text] of Object.entries(files)) writeFileAtomic(join(outDir, f), text);
  out(headSweepMarkdown(name, r));
  note(`wrote ${Object.keys(files).map((f) => join(outDir, f)).join(", ")}`, quiet);
}
