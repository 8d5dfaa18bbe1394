/**
 * Counting how often a model's token ids are checked: `checkIds` (models/forward.ts) is the one
 * reader of `info.maxPositions` on the paths the sweeps take, so counting those reads counts the
 * windows checked. Views made from the model (layers or heads removed) share its `info`, so their
 * checks count too.
 *
 * @module
 */
import type { CausalLM } from "../models/model.ts";
import { withBlocks } from "../prune/remove_layers.ts";

/** A view of `model` whose `checks()` says how many windows were checked against it so far. */
export function countingIdChecks<A>(model: CausalLM<A>): { model: CausalLM<A>; checks: () => number } {
  let n = 0;
  const info = new Proxy(model.info, {
    get(target, key, receiver) {
      if (key === "maxPositions") n++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { model: { ...withBlocks(model, model.blocks), info }, checks: () => n };
}
