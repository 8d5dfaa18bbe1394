/**
 * The paper's Fig. 6 as data: perplexity with each single attention head removed, for every
 * (selected) layer and head, next to the dense model's. The paper uses it to compare redundancy in
 * width (heads) with redundancy in depth (layers, Fig. 3).
 *
 * Heads are removed in mask mode (their o_proj columns zeroed, see prune/remove_heads.ts): the
 * cheapest edit, and it gives the same logits as physical removal (tested).
 *
 * @module
 */
import { countTokens } from "../calibration.ts";
import { UserError } from "../errors.ts";
import { perplexity } from "../eval/perplexity.ts";
import type { LlamaBlock } from "../models/llama/model.ts";
import { checkWindows } from "../models/forward.ts";
import type { CausalLM } from "../models/model.ts";
import { headCounts, withoutHeads } from "../prune/remove_heads.ts";
import { checkLayerIndices } from "../prune/remove_layers.ts";

/** Everything a head sweep measured. */
export interface HeadSweepResult {
  /** The layers swept, in the model's own numbering, ascending. */
  layers: number[];
  /** Query heads of each swept layer (`heads[i]` for `layers[i]`). */
  heads: number[];
  /** Perplexity of the model with every head. */
  dense_ppl: number;
  /**
   * `ppl[i][h]`: perplexity with only head h of layer `layers[i]` removed. `null` for a layer's only
   * head (removing it is removing the layer's attention, which head removal refuses).
   */
  ppl: (number | null)[][];
  /** Windows every perplexity was measured on. */
  windows: number;
  /** Tokens in those windows. */
  tokens: number;
  /** How heads were removed ("mask": zeroed o_proj columns; physical removal gives the same logits). */
  mode: "mask";
}

/** Options of {@link headSweep}. */
export interface HeadSweepOptions {
  /** Only these layers (the model's numbering); all by default. */
  layers?: readonly number[];
  /** Called after every window of every perplexity run: `done` of `total` windows. */
  onProgress?: (done: number, total: number) => void;
  /** Check the windows' ids first (default true; false when the caller has, see {@link checkWindows}). */
  checkIds?: boolean;
}

/** Checks a `--layers` selection: integers in [0, L), each once, at least one. */
function checkSweepLayers(layers: readonly number[], L: number): void {
  if (layers.length === 0) {
    throw new UserError(`No layers selected; give layers like --layers 0,3 or leave --layers out for all`);
  }
  checkLayerIndices(layers, L);
}

/**
 * Runs the sweep: the dense perplexity, then one perplexity per (layer, head). Every window's ids
 * are checked once, before the first run (unless `opts.checkIds` is false: the caller did).
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { headSweep } from "./head_sweep.ts";
 * const model = loadModel("testdata/models/stories260K");
 * const windows = [Int32Array.from([1, 403, 407, 261, 378, 432, 383, 286])];
 * const r = await headSweep(model, windows, { layers: [0, 4] });
 * console.log(r.dense_ppl, r.ppl[0]); // 8 values: layer 0 without head 0, 1, ..., 7
 * ```
 */
export async function headSweep<A>(
  model: CausalLM<A>,
  windows: readonly Int32Array[],
  opts: HeadSweepOptions = {},
): Promise<HeadSweepResult> {
  const H = headCounts(model); // also refuses families without attention heads
  const layers = opts.layers ? [...opts.layers].sort((a, b) => a - b) : H.map((_, l) => l);
  checkSweepLayers(layers, H.length);
  if (opts.checkIds ?? true) checkWindows(model, windows);
  const unchecked = { checkIds: false }; // checked above (or by the caller), not again per run
  const runs = 1 + layers.reduce((n, l) => n + (H[l] > 1 ? H[l] : 0), 0);
  const total = runs * windows.length;
  let done = 0;
  const tick = () => opts.onProgress?.(++done, total);

  const dense = (await perplexity(model, windows, tick, unchecked)).ppl;
  const ppl: (number | null)[][] = [];
  for (const l of layers) {
    const row: (number | null)[] = [];
    for (let h = 0; h < H[l]; h++) {
      if (H[l] === 1) {
        row.push(null);
        continue;
      }
      const masked = await withoutHeads(model, [[l, h]], { mode: "mask" });
      row.push((await perplexity(masked, windows, tick, unchecked)).ppl);
      // The copy's o_proj was uploaded for this one run: free it now (on a GPU the sweep would
      // otherwise hold one o_proj per head until the collector noticed).
      model.ops.dispose?.((masked.blocks[l] as LlamaBlock<A>).w.o_proj as A); // dense: masking refuses packed
    }
    ppl.push(row);
  }
  return {
    layers,
    heads: layers.map((l) => H[l]),
    dense_ppl: dense,
    ppl,
    windows: windows.length,
    tokens: countTokens(windows),
    mode: "mask",
  };
}
