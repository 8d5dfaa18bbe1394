/**
 * Single-layer removal perplexity (paper Fig. 3): the score of layer i is the perplexity of the
 * model with only layer i removed. Low = the model barely misses it = removable.
 *
 * @module
 */
import { perplexity } from "../eval/perplexity.ts";
import { checkWindows } from "../models/forward.ts";
import type { CausalLM } from "../models/model.ts";
import { withoutLayers } from "../prune/remove_layers.ts";

/**
 * Perplexity over `windows` with each layer removed in turn; `onLayer` reports progress. The
 * windows are checked once up front (unless `checkIds` is false: the caller did), not per removal.
 */
export async function pplRemovalScores<A>(
  model: CausalLM<A>,
  windows: readonly Int32Array[],
  onLayer?: (done: number, total: number) => void,
  { checkIds = true }: { checkIds?: boolean } = {},
): Promise<number[]> {
  if (checkIds) checkWindows(model, windows);
  const scores: number[] = [];
  for (let i = 0; i < model.blocks.length; i++) {
    scores.push((await perplexity(withoutLayers(model, [i]), windows, undefined, { checkIds: false })).ppl);
    onLayer?.(i + 1, model.blocks.length);
  }
  return scores;
}
