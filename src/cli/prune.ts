/** `shortgpt prune <model> --out DIR`: remove layers and write a loadable folder. @module */
import { UserError } from "../errors.ts";
import { parseMetric, removalOrder } from "../importance/mod.ts";
import { reverseScores } from "../importance/reverse.ts";
import { sequentialScores } from "../importance/sequential.ts";
import { savePrunedLayers } from "../prune/save.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, num, str } from "./args.ts";
import { CALIBRATION_FLAGS, windowsFromFlags } from "./calibration_flags.ts";
import { checkModelWeights, requireModel, withModel } from "./common.ts";
import type { ModelFolder } from "../models/load.ts";
import { CONVENTION_FLAGS, scoreFromFlags } from "./importance.ts";
import { MEMORY_FLAGS } from "./memory.ts";
import { parseLayerList } from "./inputs.ts";
import { checkLayerList } from "../prune/remove_layers.ts";
import { note, out } from "./output.ts";
import { checkOutputFolder } from "../prune/output_folder.ts";

export const spec: CommandSpec = {
  name: "prune",
  summary: "remove layers (listed, or the N lowest by a metric) and write a new loadable model folder",
  usage:
    "shortgpt prune <model> --out DIR (--layers 27,26,25 | --remove N --metric M (--text-file F | --ids-file F)) [--force]",
  description: `
Writes a Hugging Face folder: safetensors renumbered model.layers.0.. (blocks.0.. for RWKV),
config.json with the new layer count and a "shortgpt" block (removed_layers in the original
numbering, source, metric), tokenizer and other small files copied (a llama2.c or SentencePiece tokenizer is also exported as
tokenizer.json + tokenizer_config.json), README.md a model card saying what was removed and how.
Tensor bytes are copied as stored. --mergekit also writes mergekit.yaml, the mergekit passthrough
recipe that cuts the same layers. The folder is written to a temporary sibling and renamed into place; the input folder is
never modified. --layers uses this folder's own layer numbers (0-based).`,
  positionals: ["model"],
  flags: {
    out: { type: "string", arg: "DIR", help: "the new model folder (must not exist or be empty, unless --force)" },
    layers: { type: "string", arg: "LIST", help: "layers to remove, e.g. 27,26,25" },
    remove: { type: "int", arg: "N", help: "remove the N most removable layers by --metric" },
    metric: {
      type: "string",
      arg: "M",
      default: "bi",
      help: "metric for --remove (bi, relmag, angular:N, sequential, reverse, ppl)",
    },
    ...CALIBRATION_FLAGS,
    ...CONVENTION_FLAGS,
    ...MEMORY_FLAGS,
    force: { type: "boolean", help: "replace a non-empty --out folder" },
    mergekit: { type: "boolean", help: "also write mergekit.yaml (slices: layer_range) that reproduces the cut" },
  },
  examples: [
    "shortgpt prune testdata/models/bytellama-12L --out /tmp/bytellama-9L --remove 3 --metric bi --text-file testdata/texts/tinystories_heldout.txt",
    "shortgpt prune MODEL --out MODEL-pruned --layers 27,26,25",
  ],
};

export async function run(p: Parsed): Promise<void> {
  await withModel(requireModel(p, spec), (folder) => prune(p, folder));
}

/** The command on `folder`, opened once by {@link run}: every step reads config.json and the headers from it. */
export async function prune(p: Parsed, folder: ModelFolder): Promise<void> {
  const dir = folder.dir;
  const outDir = str(p, "out");
  if (!outDir) throw new UserError(`"prune" needs --out DIR, a new folder for the pruned model`);
  const force = bool(p, "force");
  checkOutputFolder(outDir, dir, force); // fail before any long computation
  const layersFlag = str(p, "layers"), removeN = num(p, "remove");
  if ((layersFlag === undefined) === (removeN === undefined)) {
    throw new UserError(`Give exactly one of --layers LIST or --remove N (with --metric and --text-file/--ids-file)`);
  }
  let layers: number[], metric: string | null = null, scores: number[] | undefined;
  let calibration: string | null = null;
  if (layersFlag !== undefined) {
    layers = parseLayerList(layersFlag, "--layers");
    checkLayerList(layers, folder.numLayers); // a quick answer for a bad list, before reading the weights
    checkModelWeights(folder); // tensors are copied as stored: refuse a broken checkpoint rather than copy it
  } else {
    const spec = parseMetric(str(p, "metric")!);
    const L = folder.numLayers;
    if (!(removeN! >= 1 && removeN! < L)) {
      throw new UserError(`--remove ${removeN}: give a number from 1 to ${L - 1} (the model has ${L} layers)`);
    }
    if (spec.kind === "angular") {
      throw new UserError(`--remove with angular:N is not defined here; use --layers with the block it reports`);
    }
    if (spec.kind === "sequential" || spec.kind === "reverse") {
      // Scores from the layer count alone: no weights to run, only to check before copying them.
      scores = spec.kind === "sequential" ? sequentialScores(L) : reverseScores(L);
      checkModelWeights(folder);
      metric = spec.kind;
    } else {
      const windows = windowsFromFlags(p, folder);
      calibration = `${str(p, "text-file") ?? str(p, "ids-file") ?? "--ids"}, ${windows.length} windows of up to ${
        num(p, "window")
      } tokens`;
      const report = await scoreFromFlags(p, folder, windows, spec);
      scores = report.scores;
      metric = report.metric;
    }
    layers = removalOrder(scores).slice(0, removeN);
  }
  const summary = savePrunedLayers(folder, outDir, layers, {
    metric,
    scores,
    force,
    calibration,
    mergekit: bool(p, "mergekit"),
  });
  out(
    `removed layers ${summary.removedLayers.join(", ")}${
      metric ? ` (lowest ${metric})` : ""
    }; ${summary.layers} layers left`,
  );
  out(`wrote ${summary.outDir}: ${summary.tensors} tensors, ${(summary.bytes / 2 ** 20).toFixed(1)} MiB`);
  note(
    `load it with: shortgpt info ${summary.outDir}   (or transformers' AutoModelForCausalLM.from_pretrained)`,
    bool(p, "quiet"),
  );
}
