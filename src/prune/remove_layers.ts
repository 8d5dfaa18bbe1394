/**
 * Layer removal in memory: a block never depends on its position, so removing layer i is
 * removing element i of `blocks`. Indices are positions in the model as given (for a model
 * loaded from a pruned folder, its own layers; `originalIndex` keeps the checkpoint's numbering).
 *
 * @module
 */
import { UserError } from "../errors.ts";
import type { CausalLM } from "../models/model.ts";

/** Checks layer indices: integers in [0, L), each listed once. */
export function checkLayerIndices(layers: readonly number[], L: number): void {
  const seen = new Set<number>();
  for (const i of layers) {
    if (!Number.isInteger(i) || i < 0 || i >= L) {
      throw new UserError(`Layer ${i} is out of range; the model has layers 0..${L - 1}`);
    }
    if (seen.has(i)) throw new UserError(`Layer ${i} is listed twice; list each layer once`);
    seen.add(i);
  }
}

/** Checks a list of layers to remove: {@link checkLayerIndices}, and not every layer. */
export function checkLayerList(layers: readonly number[], L: number): void {
  checkLayerIndices(layers, L);
  if (layers.length >= L) {
    throw new UserError(`Removing all ${L} layers leaves no model; remove at most ${L - 1}`);
  }
}

/**
 * A view of `model` without the listed layers (weights shared, the original untouched).
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { withoutLayers } from "./remove_layers.ts";
 * const model = loadModel("testdata/models/bytellama-12L");
 * const pruned = withoutLayers(model, [9, 10]); // 10 layers left
 * ```
 */
export function withoutLayers<A>(model: CausalLM<A>, layers: readonly number[]): CausalLM<A> {
  checkLayerList(layers, model.blocks.length);
  const drop = new Set(layers);
  return withBlocks(model, model.blocks.filter((_, i) => !drop.has(i)));
}

/** A view of `model` with other blocks (embedding, final norm and head shared). */
export function withBlocks<A>(model: CausalLM<A>, blocks: CausalLM<A>["blocks"]): CausalLM<A> {
  return {
    info: model.info,
    ops: model.ops,
    dir: model.dir,
    blocks,
    embed: (ids) => model.embed(ids),
    finalNorm: (x, T) => model.finalNorm(x, T),
    head: (x, T) => model.head(x, T),
  };
}
