/**
 * Loading a model folder: read config.json, pick the family by `model_type`, read and check
 * the weights, and put them on a backend.
 *
 * @module
 */
import { cpu } from "../backend/cpu.ts";
import type { Ops } from "../backend/ops.ts";
import { type RawConfig, readRawConfig } from "../io/config_json.ts";
import { TensorStore } from "../io/store.ts";
import { type FamilyLoader, familyLoader } from "./families.ts";
import type { CausalLM, ModelParts } from "./model.ts";
import { Weights } from "./weights.ts";

export type { FamilyLoader } from "./families.ts";

function familyOf(dir: string): { raw: RawConfig; family: FamilyLoader } {
  const raw = readRawConfig(dir);
  return { raw, family: familyLoader(raw, `${dir}/config.json`) };
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
  const { raw, family } = familyOf(dir);
  const store = TensorStore.open(dir);
  try {
    return family.load((ops ?? cpu) as Ops<A>, raw, new Weights(store), dir);
  } finally {
    store.close();
  }
}

/**
 * Opens the model in folder `dir` part by part (see {@link ModelParts}); nothing but the config
 * and the safetensors headers is read until a part is used. Call `close()` when done.
 *
 * @example
 * ```ts
 * import { openModel } from "./load.ts";
 * const { parts, close } = openModel("testdata/models/bytellama-12L");
 * const block3 = parts.loadBlock(3); // reads only model.layers.3.*
 * close();
 * ```
 */
export function openModel<A = Float32Array>(
  dir: string,
  ops?: Ops<A>,
  opts: { shapesOnly?: boolean } = {},
): { parts: ModelParts<A>; close: () => void } {
  const { raw, family } = familyOf(dir);
  const store = TensorStore.open(dir);
  try {
    return {
      parts: family.open((ops ?? cpu) as Ops<A>, raw, new Weights(store, opts), dir),
      close: () => store.close(),
    };
  } catch (e) {
    store.close();
    throw e;
  }
}
