/** `shortgpt quantize <model> --out DIR`: make a GPTQ (or round-to-nearest) checkpoint. @module */
import { UserError } from "../errors.ts";
import type { ModelFolder } from "../models/load.ts";
import { checkOutputFolder } from "../prune/output_folder.ts";
import { checkGroupSize, quantizeFolder, type QuantizeSpec } from "../quantize/quantize.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, num, str } from "./args.ts";
import { requireModel, withModel } from "./common.ts";
import { activationBytes, fileStore } from "../stream/activations.ts";
import { checkMemoryBudget, MEMORY_FLAGS, planMemory } from "./memory.ts";
import { note, out } from "./output.ts";
import { CALIBRATION_FLAGS, calibrationFromFlags, checkEnoughTokens } from "./shared.ts";

export const spec: CommandSpec = {
  name: "quantize",
  summary: "quantize a Llama-family model with GPTQ (or round-to-nearest) and write a GPTQ folder",
  usage:
    "shortgpt quantize <model> --out DIR [--method gptq|rtn] [--bits 2|3|4|8] [--group-size G] [--desc-act] [--sym|--asym] (--text-file F | --ids-file F) [--force]",
  description: `
GPTQ (Frantar et al. 2022) as AutoGPTQ runs it: layers in order, each linear's Hessian
H = 2/n sum x x^T from its calibration inputs with the earlier linears of the layer already
quantized, dampening (--damp times the mean of diag H), the Cholesky factor of H^-1, columns
quantized in blocks of 128 with the error spread onto the columns not yet quantized, act-order with
--desc-act; the next layer's inputs are the quantized layer's outputs. --method rtn rounds each
weight to its group's grid (no calibration). The folder is AutoGPTQ's "gptq" (v1) format, which
transformers/optimum and AutoGPTQ load: per linear qweight, qzeros (zero points minus one),
scales (float16) and g_idx; quantization_config in config.json and quantize_config.json; embeddings,
norms and the head as stored. Streamed: one block's weights in memory at a time, its packed
tensors written before the next block is read, so a 7B model needs about 1.5 GB (RTN) or 3 GB (GPTQ) plus the
calibration activations (windows x tokens x hidden size x 4 bytes), which go to a temporary
file when they exceed half of --max-memory. Progress: one line per layer on stderr. Calibrate
on one text and measure perplexity on another (shortgpt ppl OUT --text-file OTHER).`,
  positionals: ["model"],
  flags: {
    out: { type: "string", arg: "DIR", help: "the new model folder (must not exist or be empty, unless --force)" },
    method: { type: "string", arg: "M", default: "gptq", choices: ["gptq", "rtn"], help: "gptq or rtn" },
    bits: { type: "int", arg: "B", default: 4, help: "bits per weight: 2, 3, 4 or 8" },
    "group-size": {
      type: "int",
      arg: "G",
      default: 128,
      help: "inputs per group (scale and zero point): 16, 32, 64, 128, 256, 512, 1024, or -1 for one per row",
    },
    "desc-act": { type: "boolean", help: "act-order: quantize columns by decreasing Hessian diagonal (GPTQ)" },
    sym: { type: "boolean", help: "symmetric grid (the default)" },
    asym: { type: "boolean", help: "asymmetric grid: a zero point per group and row" },
    damp: { type: "number", arg: "P", default: 0.01, help: "dampening, a fraction of mean(diag H) (GPTQ)" },
    ...CALIBRATION_FLAGS,
    "max-memory": MEMORY_FLAGS["max-memory"],
    force: { type: "boolean", help: "replace a non-empty --out folder" },
  },
  examples: [
    "shortgpt quantize testdata/models/bytellama-12L --out /tmp/bytellama-gptq4 --bits 4 --group-size 32 --text-file testdata/texts/tinystories_heldout.txt --window 128 --max-windows 16",
    "shortgpt quantize MODEL --out MODEL-rtn3 --method rtn --bits 3 --group-size 32",
  ],
};

export async function run(p: Parsed): Promise<void> {
  await withModel(requireModel(p, spec), (folder) => quantize(p, folder));
}

/** The command on `folder`. */
function quantize(p: Parsed, folder: ModelFolder): void {
  const outDir = str(p, "out");
  if (!outDir) throw new UserError(`"quantize" needs --out DIR, a new folder for the quantized model`);
  const force = bool(p, "force");
  checkOutputFolder(outDir, folder.dir, force);
  const bits = num(p, "bits")!;
  if (bits !== 2 && bits !== 3 && bits !== 4 && bits !== 8) {
    throw new UserError(`--bits ${bits}: choose 2, 3, 4 or 8 (the widths GPTQ checkpoints pack)`);
  }
  const groupSize = num(p, "group-size")!;
  checkGroupSize(groupSize);
  if (bool(p, "sym") && bool(p, "asym")) throw new UserError(`Give at most one of --sym and --asym`);
  const damp = Number(str(p, "damp"));
  if (!(damp > 0 && damp < 1)) {
    throw new UserError(`--damp ${JSON.stringify(str(p, "damp"))}: give a number between 0 and 1`);
  }
  const method = str(p, "method") as "gptq" | "rtn";
  const q: QuantizeSpec = {
    method,
    bits,
    groupSize,
    sym: !bool(p, "asym"),
    descAct: bool(p, "desc-act"),
    dampPercent: damp,
  };
  if (method === "rtn" && q.descAct) {
    throw new UserError(`--desc-act orders GPTQ's columns; it has no meaning with --method rtn`);
  }
  const input = method === "gptq" ? calibrationFromFlags(p, folder) : null;
  if (input) checkEnoughTokens(p, input, "calibration");
  const windows = input?.windows ?? [];
  const calibration = input
    ? `${input.text.source}, ${input.text.windows} windows of up to ${num(p, "window")} tokens`
    : null;
  const plan = { ...planMemory(p, folder), stream: true }; // always one block at a time
  const t0 = performance.now();
  const summary = quantizeFolder(folder, outDir, windows, q, {
    force,
    calibration,
    // Spilled to a temporary file past half the budget, as `ppl --stream` does.
    activations: (lengths, D) => activationBytes(windows, D) > plan.budget / 2 ? fileStore(lengths, D) : null,
    onLayer: (i, L) =>
      note(`layer ${i + 1}/${L} quantized (${((performance.now() - t0) / 1000).toFixed(1)} s)`, bool(p, "quiet")),
  });
  checkMemoryBudget(p, plan);
  out(
    `wrote ${summary.outDir}: ${summary.linears} linears ${method} ${bits}-bit, group size ${groupSize}; ${
      (summary.bytes / 2 ** 20).toFixed(2)
    } MiB`,
  );
}
