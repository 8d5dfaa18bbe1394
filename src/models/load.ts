/**
 * Loading a model folder: read config.json, pick the family by `model_type`, read and check
 * the weights, and put them on a backend.
 *
 * @module
 */
import { cpu } from "../backend/cpu.ts";
import type { Ops } from "../backend/ops.ts";
import { UserError } from "../errors.ts";
import { MODEL_TYPES, type RawConfig, readRawConfig, resolveLlamaConfig } from "../io/config.ts";
import { TensorStore } from "../io/store.ts";
import { loadLlama } from "./llama.ts";
import type { CausalLM } from "./model.ts";
import { loadRwkv } from "./rwkv/model.ts";
import { Weights } from "./weights.ts";

/** A loader for one family: builds the model from checked weights. */
export type FamilyLoader = <A>(ops: Ops<A>, raw: RawConfig, weights: Weights, dir: string) => CausalLM<A>;

const loaders = new Map<string, FamilyLoader>([
  ["llama", (ops, raw, w, dir) => loadLlama(ops, resolveLlamaConfig(raw), w, dir)],
  ["mistral", (ops, raw, w, dir) => loadLlama(ops, resolveLlamaConfig(raw), w, dir)],
  ["qwen2", (ops, raw, w, dir) => loadLlama(ops, resolveLlamaConfig(raw), w, dir)],
  ["baichuan", (ops, raw, w, dir) => loadLlama(ops, resolveLlamaConfig(raw), w, dir)],
  ["rwkv", loadRwkv],
]);

/** Adds the loader of a family (RWKV registers itself this way). */
export function registerFamily(modelType: string, loader: FamilyLoader): void {
  loaders.set(modelType, loader);
}

/**
 * Loads the model in folder `dir` onto backend `ops` (CPU by default).
 *
 * @example
 * ```ts
 * import { loadModel } from "./load.ts";
 * const model = loadModel("testdata/models/stories260K");
 * console.log(model.blocks.length); // 5
 * ```
 */
export function loadModel<A = Float32Array>(dir: string, ops?: Ops<A>): CausalLM<A> {
  const raw = readRawConfig(dir);
  const loader = loaders.get(String(raw.model_type));
  if (!loader) {
    throw new UserError(
      `"${dir}/config.json" has model_type ${JSON.stringify(raw.model_type)}; supported: ${MODEL_TYPES.join(", ")}`,
    );
  }
  const store = TensorStore.open(dir);
  try {
    return loader((ops ?? cpu) as Ops<A>, raw, new Weights(store), dir);
  } finally {
    store.close();
  }
}
