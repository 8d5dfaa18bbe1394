/**
 * The paper's Table 2 in miniature (layer removal is orthogonal to quantization) on bytellama-12L:
 * held-out perplexity, MC accuracy and size of the dense model, GPTQ and RTN at the same bits and
 * group size, the BI-pruned model, pruned-then-quantized and quantized-then-pruned (same layers).
 *
 *   deno run -A bench/table2.ts [--bits 4] [--group-size 32] [--remove 3] [--calib-bytes 8192]
 *
 * Calibration (GPTQ and BI): the first --calib-bytes of ../shared/data/tinystories/tinystories_val.txt
 * (else the first half of testdata/texts/tinystories_heldout.txt), windows of 256 bytes. Measured:
 * testdata/texts/tinystories_heldout.txt (its second half when it also calibrated), windows of 256.
 * MC: COPA and PIQA validation items in testdata/eval (first 100 each). Results: docs/quantization.md.
 *
 * @module
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/cli.ts";
import { cutWindows } from "../src/calibration.ts";
import { perplexity } from "../src/eval/perplexity.ts";
import { computeImportance } from "../src/importance/mod.ts";
import { loadModel, ModelFolder } from "../src/models/load.ts";
import { savePrunedLayers } from "../src/prune/save.ts";
import { quantizeFolder, type QuantizeSpec } from "../src/quantize/quantize.ts";
import { flag, machine } from "./_machine.ts";

const SOURCE = "testdata/models/bytellama-12L";
const bits = Number(flag("bits", "4")) as QuantizeSpec["bits"];
const groupSize = Number(flag("group-size", "32"));
const remove = Number(flag("remove", "3"));
const calibBytes = Number(flag("calib-bytes", "8192"));

const heldText = readFileSync("testdata/texts/tinystories_heldout.txt");
const sharedCalib = "../shared/data/tinystories/tinystories_val.txt";
const calibFromShared = existsSync(sharedCalib);
const calibText = calibFromShared ? readFileSync(sharedCalib).subarray(0, calibBytes) : heldText.subarray(0, 8192);
const measured = calibFromShared ? heldText : heldText.subarray(8192);
const CALIB = cutWindows([...calibText], 256);
const HELD = cutWindows([...measured], 256);
const calibName = calibFromShared
  ? `first ${calibBytes} bytes of tinystories_val.txt`
  : "first 8192 bytes of tinystories_heldout.txt";
const heldName = calibFromShared ? "tinystories_heldout.txt" : "tinystories_heldout.txt from byte 8192";

function folderBytes(dir: string): number {
  return readdirSync(dir).filter((f) => f.endsWith(".safetensors")).reduce(
    (s, f) => s + statSync(join(dir, f)).size,
    0,
  );
}

async function mc(dir: string, task: string, tmp: string): Promise<number> {
  const json = join(tmp, `${task}-${Math.random().toString(36).slice(2)}.json`);
  const code = await main([
    "eval",
    dir,
    "--task",
    task,
    "--data",
    "testdata/eval",
    "--limit",
    "100",
    "--json",
    json,
    "--quiet",
  ]);
  if (code !== 0) throw new Error(`eval ${task} on ${dir} failed`);
  return JSON.parse(readFileSync(json, "utf8")).acc;
}

const tmp = mkdtempSync(join(tmpdir(), "shortgpt-table2-"));
try {
  const spec = { bits, groupSize, sym: true, descAct: false };
  const src = new ModelFolder(SOURCE);
  const t0 = performance.now();
  quantizeFolder(src, join(tmp, "gptq"), CALIB, { ...spec, method: "gptq" }, { calibration: calibName });
  const gptqSeconds = (performance.now() - t0) / 1000;
  quantizeFolder(src, join(tmp, "rtn"), [], { ...spec, method: "rtn" });
  const bi = await computeImportance(loadModel(src), CALIB, { kind: "bi" });
  src.close();
  const layers = bi.order.slice(0, remove).sort((a, b) => a - b);
  savePrunedLayers(SOURCE, join(tmp, "pruned"), layers, { metric: "bi", scores: bi.scores });
  const pruned = new ModelFolder(join(tmp, "pruned"));
  quantizeFolder(pruned, join(tmp, "pruned-gptq"), CALIB, { ...spec, method: "gptq" }, { calibration: calibName });
  pruned.close();
  savePrunedLayers(join(tmp, "gptq"), join(tmp, "gptq-pruned"), layers, { metric: "bi", scores: bi.scores });

  const rows: [string, string][] = [
    ["dense fp32 (12 layers)", SOURCE],
    [`GPTQ ${bits}-bit g${groupSize}`, join(tmp, "gptq")],
    [`RTN ${bits}-bit g${groupSize}`, join(tmp, "rtn")],
    [`BI-pruned fp32 (−${remove}: ${layers.join(", ")})`, join(tmp, "pruned")],
    ["pruned, then GPTQ", join(tmp, "pruned-gptq")],
    ["GPTQ, then pruned (same layers)", join(tmp, "gptq-pruned")],
  ];
  console.log(`# Table 2 in miniature: bytellama-12L (${machine()})`);
  console.log(
    `calibrated on ${calibName} (${CALIB.length} windows of 256); measured on ${heldName} (${HELD.length} windows of 256)`,
  );
  console.log(`GPTQ of the dense model took ${gptqSeconds.toFixed(1)} s\n`);
  console.log("| model | held-out ppl (per byte) | COPA acc | PIQA acc | weights (bytes) |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [label, dir] of rows) {
    const ppl = (await perplexity(loadModel(dir), HELD)).ppl;
    const copa = await mc(dir, "copa", tmp), piqa = await mc(dir, "piqa", tmp);
    console.log(
      `| ${label} | ${ppl.toFixed(4)} | ${copa.toFixed(2)} | ${piqa.toFixed(2)} | ${
        folderBytes(dir).toLocaleString("en")
      } |`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
