/** Helpers shared by the commands: the model argument, ids from flags. @module */
import { existsSync, statSync } from "node:fs";
import { basename, dirname } from "node:path";
import { cpu } from "../backend/cpu.ts";
import { UserError } from "../errors.ts";
import { resolveLlamaConfig } from "../models/llama/config.ts";
import { ModelFolder, openModel } from "../models/load.ts";
import { checkStoredFinite } from "../io/stored_finite.ts";
import { Weights } from "../models/weights.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { str } from "./args.ts";
import { parseIds, readIdsFile } from "./inputs.ts";

/** The `<model>` positional: an existing folder. */
export function requireModel(p: Parsed, spec: CommandSpec): string {
  const dir = p.positionals[0];
  if (dir === undefined) throw new UserError(`"shortgpt ${spec.name}" needs a model folder; usage: ${spec.usage}`);
  if (p.positionals.length > spec.positionals.length) {
    throw new UserError(`Unexpected argument "${p.positionals[spec.positionals.length]}"; usage: ${spec.usage}`);
  }
  if (!existsSync(dir)) {
    throw new UserError(
      `Model folder "${dir}" does not exist; give the folder that holds config.json and the .safetensors files`,
    );
  }
  if (!statSync(dir).isDirectory()) {
    const parent = dirname(dir);
    throw new UserError(
      `"${dir}" is a file, not a model folder; give the folder that holds config.json and the .safetensors files` +
        (/(^|[\\/])(config\.json|[^\\/]*\.safetensors(\.index\.json)?)$/.test(dir) ? `, here "${parent}"` : ""),
    );
  }
  return dir;
}

/** Exactly one of the named flags, or an error listing them. */
/** A model's name for titles and default output folders: its folder's name (trailing slashes ignored). */
export function modelName(dir: string): string {
  return basename(dir.replace(/[\\/]+$/, ""));
}

/** Exactly one of the flags `names` was given: which one (else a UserError naming them). */
export function oneOf(p: Parsed, names: string[]): string {
  const given = names.filter((n) => p.flags[n] !== undefined);
  if (given.length !== 1) {
    const list = names.map((n) => `--${n}`).join(" | ");
    throw new UserError(
      given.length === 0
        ? `Give one of ${list}`
        : `Give only one of ${list}; got ${given.map((n) => `--${n}`).join(" and ")}`,
    );
  }
  return given[0];
}

/** Sequences from `--ids` or `--ids-file` (undefined when neither is given). */
export function idsFromFlags(p: Parsed): number[][] | undefined {
  const ids = str(p, "ids");
  if (ids !== undefined) return [parseIds(ids)];
  const file = str(p, "ids-file");
  if (file !== undefined) return readIdsFile(file);
  return undefined;
}

/**
 * Reads every tensor of `model` once, block by block, and checks what loading checks
 * (config, names, shapes, NaN/Inf), without holding the whole model: for commands that copy
 * tensors as stored (`prune --layers`, `prune-heads`), so a broken checkpoint is reported, not
 * copied. Returns the number of layers.
 */
export function checkModelWeights(model: ModelFolder): number {
  if (model.raw.model_type === "rwkv") {
    // RWKV models are small and their loaders compute at load time: load each part for real.
    const { parts, close } = openModel(model, cpu);
    try {
      parts.head(parts.finalNorm(parts.embed(Int32Array.of(0)), 1), 1); // embeddings, final norm, head
      for (let i = 0; i < parts.numLayers; i++) parts.loadBlock(i);
      return parts.numLayers;
    } finally {
      close();
    }
  }
  // Transformers: names and shapes from the headers, every value scanned in 16 MiB chunks, so the
  // check's memory does not grow with the model (prune copies bytes; it never decodes them).
  const layers = checkTensorShapes(model);
  for (const name of model.store.names()) checkStoredFinite(model.store, name);
  return layers;
}

/**
 * What a command that copies tensors as stored (`prune --layers`, `prune-heads`) checks before
 * it writes anything: config, names and shapes from the headers. The values are scanned for NaN
 * and Inf by the folder rewriter while it copies them (src/prune/rewrite_folder.ts), so the
 * input is read once; RWKV folders, small, are loaded part by part as {@link checkModelWeights} does.
 */
export function checkBeforeCopy(model: ModelFolder): void {
  if (model.raw.model_type === "rwkv") checkModelWeights(model);
  else checkTensorShapes(model);
}

/**
 * Checks, from config.json and the safetensors headers only (no tensor data is read), that every
 * tensor a transformer needs is present with the shape its config implies, and returns the number
 * of layers. A streamed run calls it first, so a broken last layer is reported before any work
 * and any progress line. RWKV folders are left to their loaders (small models whose blocks are
 * checked as they are read).
 */
export function checkTensorShapes(model: ModelFolder): number {
  const { parts } = openModel(model, cpu, { shapesOnly: true }); // the folder stays open
  if (model.raw.model_type === "rwkv") return parts.numLayers;
  for (let i = 0; i < parts.numLayers; i++) parts.loadBlock(i);
  const cfg = resolveLlamaConfig(model.raw);
  const weights = new Weights(model.store, { shapesOnly: true });
  weights.get("model.embed_tokens.weight", [cfg.vocabSize, cfg.hiddenSize]);
  weights.get("model.norm.weight", [cfg.hiddenSize]);
  if (!cfg.tieWordEmbeddings) weights.get("lm_head.weight", [cfg.vocabSize, cfg.hiddenSize]);
  return cfg.numLayers;
}

/**
 * Runs a command's `body` with its `<model>` folder opened once (see {@link ModelFolder}), so every
 * step reads config.json and the safetensors headers from it, and closes the folder after.
 */
export async function withModel<T>(dir: string, body: (model: ModelFolder) => Promise<T> | T): Promise<T> {
  const model = new ModelFolder(dir);
  try {
    return await body(model);
  } finally {
    model.close();
  }
}
