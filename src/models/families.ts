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
import type { GenerationConfig } from "../io/generation_config.ts";
import type { GptqConfig } from "./gptq.ts";
import type { TensorReader } from "../io/tensor_reader.ts";
import { resolveLlamaConfig } from "./llama/config.ts";
import { loadLlama, openLlamaParts } from "./llama/model.ts";
import type { CausalLM, ModelParts } from "./model.ts";
import { resolveRwkvConfig } from "./rwkv/config.ts";
import { loadRwkv, openRwkvParts } from "./rwkv/model.ts";
import { Weights } from "./weights.ts";

/**
 * How one family loads: whole, or part by part (for layer streaming); and its layer count.
 * `gen` is the folder's generation_config.json, where it has one (its special token ids); `gptq`
 * its GPTQ quantization config, where its linears are packed (src/models/gptq.ts).
 */
export interface FamilyLoader {
  /** The whole model on `ops`, every tensor read from `weights` and checked. */
  load<A>(
    ops: Ops<A>,
    raw: RawConfig,
    weights: Weights,
    dir: string,
    gen?: GenerationConfig | null,
    gptq?: GptqConfig | null,
  ): CausalLM<A>;
  /** The model part by part: only the config is checked now; each part reads its tensors when asked. */
  open<A>(
    ops: Ops<A>,
    raw: RawConfig,
    weights: Weights,
    dir: string,
    gen?: GenerationConfig | null,
    gptq?: GptqConfig | null,
  ): ModelParts<A>;
  /** L, from the config alone (resolved and checked as loading would). */
  numLayers(raw: RawConfig): number;
}

const llamaFamily: FamilyLoader = {
  load: (ops, raw, w, dir, gen, gptq) => loadLlama(ops, resolveLlamaConfig(raw, gen), w, dir, gptq),
  open: (ops, raw, w, dir, gen, gptq) => openLlamaParts(ops, resolveLlamaConfig(raw, gen), w, dir, gptq),
  numLayers: (raw) => resolveLlamaConfig(raw).numLayers,
};

/** The loader of each supported `model_type`. */
export const loaders: ReadonlyMap<string, FamilyLoader> = new Map<string, FamilyLoader>([
  ["llama", llamaFamily],
  ["mistral", llamaFamily],
  ["qwen2", llamaFamily],
  ["baichuan", llamaFamily],
  ["rwkv", { load: loadRwkv, open: openRwkvParts, numLayers: (raw) => resolveRwkvConfig(raw).numLayers }],
]);

/** The loader of `raw.model_type`; `where` names the config in the message when there is none. */
export function familyLoader(raw: RawConfig, where: string): FamilyLoader {
  const family = loaders.get(String(raw.model_type));
  if (!family) {
    throw new UserError(
      `"${where}" has model_type ${JSON.stringify(raw.model_type)}; supported: ${[...loaders.keys()].join(", ")}`,
    );
  }
  return family;
}

/**
 * The model of config `raw` and checkpoint `tensors`, on backend `ops`: what loadModel does for
 * a folder (src/models/load.ts), for tensors already read from anywhere (a File, a URL).
 */
export function modelFromTensors<A>(
  raw: RawConfig,
  tensors: TensorReader,
  ops: Ops<A>,
  gen?: GenerationConfig | null,
): CausalLM<A> {
  return familyLoader(raw, `${tensors.dir}/config.json`).load(ops, raw, new Weights(tensors), tensors.dir, gen);
}
