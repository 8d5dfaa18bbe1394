/** `shortgpt info <model>`: what a model folder holds. @module */
import { type ModelFolder, openModel } from "../models/load.ts";
import { cpu } from "../backend/cpu.ts";
import { numel } from "../tensor.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool } from "./args.ts";
import { out } from "./output.ts";
import { checkModelWeights, requireModel, withModel } from "./common.ts";

export const spec: CommandSpec = {
  name: "info",
  summary: "summary of a model folder: family, shapes, parameters, dtypes",
  usage: "shortgpt info <model> [--json]",
  positionals: ["model"],
  flags: { json: { type: "boolean", help: "print JSON instead of a table" } },
  examples: ["shortgpt info testdata/models/stories260K"],
};

export function run(p: Parsed): Promise<void> {
  return withModel(requireModel(p, spec), (folder) => info(p, folder));
}

/** The command on a model folder opened once: config.json and the headers are read one time. */
function info(p: Parsed, folder: ModelFolder): void {
  const { dir, raw } = folder;
  // Validates config, names, shapes and values as loading would, one layer at a time (memory does
  // not grow with the model); then the model's facts from the config and headers alone.
  checkModelWeights(folder);
  const { parts } = openModel(folder, cpu, { shapesOnly: true });
  const store = folder.store;
  const dtypes: Record<string, number> = {};
  let params = 0;
  for (const name of store.names()) {
    const info = store.info(name)!;
    params += numel(info.shape);
    dtypes[info.dtype] = (dtypes[info.dtype] ?? 0) + 1;
  }
  const summary = {
    model: dir,
    family: parts.info.family,
    layers: parts.numLayers,
    hidden_size: parts.info.hiddenSize,
    vocab_size: parts.info.vocabSize,
    heads: raw.layer_num_attention_heads ?? raw.num_attention_heads ?? raw.n_head ?? null,
    kv_heads: raw.layer_num_key_value_heads ?? raw.num_key_value_heads ?? raw.num_attention_heads ?? null,
    head_dim: raw.head_dim ?? raw.head_size ?? null,
    intermediate_size: raw.intermediate_size ?? raw.dim_ffn ?? null,
    rwkv_version: raw.rwkv_version ?? null,
    tied_embeddings: raw.tie_word_embeddings ?? null,
    parameters: params,
    tensors: store.names().length,
    dtypes,
    shortgpt: raw.shortgpt ?? null,
  };
  if (bool(p, "json")) return out(JSON.stringify(summary, null, 2));
  const rows = Object.entries(summary).filter(([, v]) => v !== null)
    .map(([k, v]) => `${k.padEnd(18)} ${typeof v === "object" ? JSON.stringify(v) : v}`);
  out(rows.join("\n"));
}
