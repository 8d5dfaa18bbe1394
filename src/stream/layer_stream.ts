/**
 * Layer streaming (layer-major order): embed every window, then for each block read only its
 * tensors, run every window through it, feed the metrics, and drop it before loading the next.
 * Only one block's weights and the windows' activations are resident, so models larger than
 * memory can be scored. The metrics are the same objects the window-major path feeds
 * (`step()`/`state()`, or `changeSums()` where the hidden states stay on a device), so both
 * orders give identical numbers.
 *
 * @module
 */
import type { HiddenStateMetric } from "../importance/metric.ts";
import { MetricFeed, useChangeSums } from "../importance/feed.ts";
import type { ImportanceRunner } from "../importance/mod.ts";
import { perplexityFrom, windowNll } from "../eval/perplexity.ts";
import { checkWindows } from "../models/forward.ts";
import { type ModelParts, newRun, type Run } from "../models/model.ts";
import { collectGarbage } from "../runtime.ts";
import { activationBytes, type ActivationStore, fileStore } from "./activations.ts";

/** Options of {@link streamLayers}. */
export interface StreamOptions {
  /** X_L before (`raw`) or after (`hf`) the final norm, for metrics. */
  lastHidden?: "raw" | "hf";
  /** Bytes the activations may take in memory before they are spilled to a temporary file. */
  activationBudget?: number;
  /** Also compute each window's summed NLL (for perplexity); needs the head. */
  nll?: boolean;
  /** Called with the logits [T,V] of each window (e.g. for `forward --out`). */
  onLogits?: (w: number, logits: Float32Array) => void;
  /** Called after each block: (blocks done, L). */
  onLayer?: (done: number, total: number) => void;
  /** Blocks to skip (indices of the checkpoint), as if removed. */
  skip?: ReadonlySet<number>;
  /** Feed the metrics from `ops.changeSums` (default: on a device backend when they all take sums). */
  sums?: boolean;
  /** Check the windows' ids first (default true); false where the caller checked them once already. */
  checkIds?: boolean;
}

/** What {@link streamLayers} measured besides the metrics. */
export interface StreamResult {
  /** Σ over windows of the summed NLL, and the predicted-token count (with `nll`). */
  nll: number;
  predicted: number;
  /** Whether activations were spilled to disk. */
  spilled: boolean;
  activationBytes: number;
}

/**
 * Runs `windows` through the model layer by layer, feeding `metrics` exactly as the
 * window-major path does.
 *
 * @example
 * ```ts
 * import { openModel } from "../models/load.ts";
 * import { BlockInfluence } from "../importance/block_influence.ts";
 * import { streamLayers } from "./layer_stream.ts";
 * const { parts, close } = openModel("testdata/models/bytellama-12L");
 * const bi = new BlockInfluence(parts.numLayers);
 * await streamLayers(parts, [Int32Array.from([79, 110, 99, 101])], [bi]);
 * close();
 * console.log(bi.finish());
 * ```
 */
export async function streamLayers<A>(
  parts: ModelParts<A>,
  windows: readonly Int32Array[],
  metrics: readonly HiddenStateMetric[],
  opts: StreamOptions = {},
): Promise<StreamResult> {
  if (opts.checkIds ?? true) checkWindows(parts, windows); // before anything is made
  const { ops } = parts;
  const D = parts.info.hiddenSize;
  const bytes = activationBytes(windows, D);
  // Activations stay on the backend as they are (the same arrays the blocks produced: RWKV v7
  // hands v_first on by the identity of its output) unless they exceed the budget; then they go
  // to a temporary file and come back window by window. RWKV never spills (its models are small).
  const spill = parts.info.family !== "rwkv" && bytes > (opts.activationBudget ?? Infinity);
  const file: ActivationStore | null = spill ? fileStore(windows.map((w) => w.length), D) : null;
  const held: A[] = [];
  const getX = (w: number): A => (file ? ops.upload(file.get(w)) : held[w]);
  const setX = async (w: number, x: A) => {
    if (file) file.set(w, await ops.read(x));
    else held[w] = x;
  };
  const runs: Run<A>[] = windows.map(() => newRun<A>());
  const kept = Array.from({ length: parts.numLayers }, (_, i) => i).filter((i) => !opts.skip?.has(i));
  const L = kept.length;
  const feed = new MetricFeed(parts, metrics, {
    blocks: L,
    lastHidden: opts.lastHidden ?? "raw",
    rows: windows.length,
    sums: useChangeSums(ops.name, metrics, opts.sums),
  });
  try {
    for (let w = 0; w < windows.length; w++) {
      const x0 = parts.embed(windows[w]);
      await feed.embedded(w, x0, windows[w].length);
      await setX(w, x0);
    }
    parts.releaseEmbed?.(); // V×D floats no longer needed (tied heads read them again at the end)
    // Block k is read, and referenced, only inside this function: once it returns, nothing holds
    // the block (not even a stale slot of this loop's suspended frame, which V8 keeps across an
    // await and which had kept the previous block alive through the next one's loading).
    const runBlock = async (k: number) => {
      const block = parts.loadBlock(kept[k]);
      for (let w = 0; w < windows.length; w++) {
        const T = windows[w].length;
        const xIn = getX(w);
        const xOut = block.forward(xIn, T, runs[w], false);
        await feed.block(w, k, kept[k], xIn, xOut, T);
        await setX(w, xOut);
        ops.release?.(xIn); // X_i of this window is done with (a device reuses its memory now)
      }
      await feed.flush(); // with sums: this block's [W,2] sums, read once
    };
    for (let k = 0; k < L; k++) {
      // The previous block is unreachable now: collect it before reading the next one, so two
      // blocks never sit in memory together (without this the collector decides when).
      collectGarbage();
      await runBlock(k);
      opts.onLayer?.(k + 1, L);
    }
    let nll = 0, predicted = 0;
    if (opts.nll || opts.onLogits) {
      for (let w = 0; w < windows.length; w++) {
        const T = windows[w].length;
        const logits = await ops.read(parts.head(parts.finalNorm(getX(w), T), T));
        opts.onLogits?.(w, logits);
        if (opts.nll && T >= 2) {
          nll += windowNll(logits, windows[w], parts.info.vocabSize);
          predicted += T - 1;
        }
      }
    }
    return { nll, predicted, spilled: spill, activationBytes: bytes };
  } finally {
    file?.close();
  }
}

/**
 * The layer-major {@link ImportanceRunner}: hidden-state metrics in one streamed pass; the `ppl`
 * metric as L streamed passes, each skipping one layer (every weight is read L times). Checks the
 * windows' ids now, once.
 */
export function streamRunner<A>(
  parts: ModelParts<A>,
  windows: readonly Int32Array[],
  activationBudget?: number,
): ImportanceRunner {
  checkWindows(parts, windows);
  return {
    numLayers: parts.numLayers,
    async observe(metrics, lastHidden, onProgress) {
      await streamLayers(parts, windows, metrics, {
        lastHidden,
        activationBudget,
        onLayer: onProgress,
        checkIds: false,
      });
    },
    async pplRemoval(onProgress) {
      const scores: number[] = [];
      for (let i = 0; i < parts.numLayers; i++) {
        const r = await streamLayers(parts, windows, [], {
          nll: true,
          skip: new Set([i]),
          activationBudget,
          checkIds: false,
        });
        scores.push(perplexityFrom(r.nll, r.predicted, windows.length).ppl);
        onProgress?.(i + 1, parts.numLayers);
      }
      return scores;
    },
  };
}
