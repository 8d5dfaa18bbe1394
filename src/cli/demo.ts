/** `shortgpt demo`: the whole method on the bundled 12-layer model, in well under a minute. @module */
import { getPrecision } from "../backend/cpu.ts";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { countTokens, makeWindows } from "../calibration.ts";
import { UserError } from "../errors.ts";
import { perplexity } from "../eval/perplexity.ts";
import { computeImportance, parseMetric } from "../importance/mod.ts";
import { readRawConfig } from "../io/config_json.ts";
import { loadTokenizer } from "../io/tokenizer/mod.ts";
import { withoutLayers } from "../prune/remove_layers.ts";
import { savePrunedLayers } from "../prune/save.ts";
import { barChart } from "../report/svg.ts";
import { Progress } from "../report/progress.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, str } from "./args.ts";
import { loadForCli } from "./backend.ts";
import { importanceTable } from "./importance.ts";
import { readTextFile } from "./inputs.ts";
import { checkOutputPath, note, out, writeFileAtomic } from "./output.ts";

export const spec: CommandSpec = {
  name: "demo",
  summary: "the whole method on the bundled 12-layer model: BI, removal order, prune, perplexity before/after",
  usage: "shortgpt demo [--out DIR]",
  description: `
Uses testdata/models/bytellama-12L (a byte-level Llama trained by the project) and
testdata/texts/tinystories_heldout.txt (held-out text for that model): 16 windows of 256 bytes.`,
  positionals: [],
  flags: {
    out: { type: "string", arg: "DIR", default: "shortgpt-demo", help: "folder for the reports and the pruned model" },
  },
  examples: ["shortgpt demo", "npm run demo"],
};

/** The repository's testdata/ folder, from src/cli/ (Deno, Bun) or dist/ (Node bundle). */
export function bundledTestdata(): string {
  for (const rel of ["../../testdata", "../testdata"]) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, "models", "bytellama-12L"))) return dir;
  }
  throw new UserError(
    `Cannot find the bundled testdata/ folder next to shortgpt; run the demo from a clone of the repository`,
  );
}

const MARKER = ".shortgpt-demo";

export async function run(p: Parsed): Promise<void> {
  const quiet = bool(p, "quiet");
  const outDir = str(p, "out")!;
  checkOutputPath(outDir, "folder");
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !existsSync(join(outDir, MARKER))) {
    throw new UserError(`--out "${outDir}" exists and was not written by the demo; choose another folder`);
  }
  const data = bundledTestdata();
  const modelPath = join(data, "models", "bytellama-12L");
  const textPath = join(data, "texts", "tinystories_heldout.txt");
  const t0 = performance.now();

  const model = await loadForCli(modelPath, p);
  const L = model.blocks.length;
  const ids = loadTokenizer(modelPath, readRawConfig(modelPath)).encode(readTextFile(textPath));
  const windows = makeWindows([ids], 256, 16);
  out(`shortgpt demo: ${L}-layer byte-level Llama (testdata/models/bytellama-12L)`);
  out(
    `calibration: ${windows.length} windows x 256 bytes = ${
      countTokens(windows)
    } tokens of held-out TinyStories text\n`,
  );

  const progress = new Progress("Block Influence", windows.length, { quiet });
  const bi = await computeImportance(model, windows, parseMetric("bi"), {}, () => progress.tick());
  progress.done();
  out("Block Influence per layer (paper Eq. 2: BI_i = 1 - mean_t cos(X_i[t], X_{i+1}[t])):\n");
  out(importanceTable(bi));
  out(`\nremoval order (lowest BI first): ${bi.order.join(", ")}\n`);

  const lowest = bi.order[0];
  const dense = await perplexity(model, windows);
  const pruned = await perplexity(withoutLayers(model, [lowest]), windows);
  const last = await perplexity(withoutLayers(model, [L - 1]), windows);
  const prunedDir = join(outDir, "bytellama-11L");
  savePrunedLayers(modelPath, prunedDir, [lowest], { metric: "bi", scores: bi.scores, force: true });
  const reloaded = await perplexity(await loadForCli(prunedDir, p), windows);

  out("perplexity on the calibration text (per byte):");
  const rows: [string, number][] = [
    [`dense, ${L} layers`, dense.ppl],
    [`lowest-BI layer ${lowest} removed (ShortGPT)`, pruned.ppl],
    [`last layer ${L - 1} removed (reverse order)`, last.ppl],
    [`the written pruned folder, reloaded`, reloaded.ppl],
  ];
  for (const [label, ppl] of rows) out(`  ${label.padEnd(42)} ${ppl.toFixed(4)}`);
  out("");

  writeFileAtomic(
    join(outDir, "importance_bi.json"),
    JSON.stringify({ model: modelPath, precision: getPrecision(), ...bi }, null, 2) + "\n",
  );
  writeFileAtomic(join(outDir, "importance_bi.md"), `# Block Influence of bytellama-12L\n\n${importanceTable(bi)}\n`);
  writeFileAtomic(
    join(outDir, "importance_bi.svg"),
    barChart({
      title: "Block Influence per layer: bytellama-12L",
      xLabel: "layer",
      yLabel: "BI",
      labels: bi.scores.map((_, i) => String(i)),
      values: bi.scores,
      highlight: [lowest],
      note: `${windows.length} windows x 256 bytes of held-out TinyStories; removed layer highlighted`,
    }),
  );
  writeFileSync(join(outDir, MARKER), "written by shortgpt demo; the demo may replace this folder\n");
  out(`wrote ${join(outDir, "importance_bi.{json,md,svg}")} and the pruned model ${prunedDir}`);
  note(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`, quiet);
}
