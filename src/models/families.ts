/**
 * The model families by config.json's `model_type`, and a model built from a checkpoint's
 * tensors wherever they are (a folder: src/models/load.ts; memory: a browser page). No file
 * system here.
 *
 * @module
 */
import type { Ops } from "../backend/ops.ts";
import { UserError } from "../errors.ts";
import type { RawConfig } from "../io/config_fields.ts";
import type { TensorReader } from "../io/tensor_reader.ts";
import { MODEL_TYPES, resolveLlamaConfig } from "./llama/config.ts";
import { loadLlama, openLlamaParts } from "./llama/model.ts";
import type { CausalLM, ModelParts } from "./model.ts";
import { loadRwkv, openRwkvParts } from "./rwkv/model.ts";
import { Weights } from "./weights.ts";

/** How one family loads: whole, or part by part (for layer streaming). */
export interface FamilyLoader {
  load<A>(ops: Ops<A>, raw: RawConfig, weights: Weights, dir: string): CausalLM<A>;
  open<A>(ops: Ops<A>, raw: RawConfig, weights: Weights, dir: string): ModelParts<A>;
}

const llamaFamily: FamilyLoader = {
  load: (ops, raw, w, dir) => loadLlama(ops, resolveLlamaConfig(raw), w, dir),
  open: (ops, raw, w, dir) => openLlamaParts(ops, resolveLlamaConfig(raw), w, dir),
};

export const loaders: ReadonlyMap<string, FamilyLoader> = new Map<string, FamilyLoader>([
  ["llama", llamaFamily],
  ["mistral", llamaFamily],
  ["qwen2", llamaFamily],
  ["baichuan", llamaFamily],
  ["rwkv", { load: loadRwkv, open: openRwkvParts }],
]);

/** The loader of `raw.model_type`; `where` names the config in the message when there is none. */
export function familyLoader(raw: RawConfig, where: string): FamilyLoader {
  const family = loaders.get(String(raw.model_type));
  if (!family) {
    throw new UserError(
      `"${where}" has model_type ${JSON.stringify(raw.model_type)}; supported: ${MODEL_TYPES.join(", ")}`,
    );
  }
  return family;
}

/**
 * The model of config `raw` and checkpoint `tensors`, on backend `ops`: what {@link loadModel}
 * does for a folder, for tensors already read from anywhere (a File, a URL).
 */
export function modelFromTensors<A>(raw: RawConfig, tensors: TensorReader, ops: Ops<A>): CausalLM<A> {
  return familyLoader(raw, `${tensors.dir}/config.json`).load(ops, raw, new Weights(tensors), tensors.dir);
}
