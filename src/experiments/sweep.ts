/**
 * The paper's figures as data: for each metric, the perplexity after removing the first k layers
 * of its removal order, k = 0..K (Fig. 2b, Fig. 5); the perplexity with each single layer removed
 * (Fig. 3); and the metric values per layer (Fig. 8).
 *
 * @module
 */
import { perplexity } from "../eval/perplexity.ts";
import { BlockInfluence } from "../importance/block_influence.ts";
import { type Conventions, removalOrder } from "../importance/metric.ts";
import { feedWindows } from "../importance/mod.ts";
import { pplRemovalScores } from "../importance/ppl_removal.ts";
import { RelativeMagnitude } from "../importance/relative_magnitude.ts";
import { reverseScores } from "../importance/reverse.ts";
import { sequentialScores } from "../importance/sequential.ts";
import { checkWindows } from "../models/forward.ts";
import type { CausalLM } from "../models/model.ts";
import { countTokens } from "../calibration.ts";
import { withoutLayers } from "../prune/remove_layers.ts";
import { UserError } from "../errors.ts";

/** Metrics a sweep can order layers by. */
export const SWEEP_METRICS = ["bi", "relmag", "sequential", "reverse", "ppl"] as const;
/** One of {@link SWEEP_METRICS}. */
export type SweepMetric = typeof SWEEP_METRICS[number];

/** One metric's curve. */
export interface SweepCurve {
  /** The metric's score of each layer [L] (lower: removed earlier). */
  scores: number[];
  /** Layers in removal order: ascending score, ties to the lower index ({@link removalOrder}). */
  order: number[];
  /** ppl[k] = perplexity with the first k layers of `order` removed (ppl[0] = dense). */
  ppl: number[];
  /** acc[k] = task accuracy with the first k layers removed (with the `accuracy` option). */
  acc?: number[];
}

/**
 * Everything a sweep measured. Metrics are computed on the calibration windows (`windows`,
 * `tokens`); every perplexity is measured on the evaluation windows (`eval_windows`,
 * `eval_tokens`), the same windows only when no evaluation text was given.
 */
export interface SweepResult {
  /** L, the layers of the dense model. */
  layers: number;
  /** Calibration windows (the metrics' input). */
  windows: number;
  /** Tokens in the calibration windows. */
  tokens: number;
  /** Evaluation windows (every perplexity's input). */
  eval_windows: number;
  /** Tokens in the evaluation windows. */
  eval_tokens: number;
  /** Perplexity of the dense model on the evaluation windows. */
  dense_ppl: number;
  /** Perplexity with only layer i removed (paper Fig. 3), on the evaluation windows. */
  single_layer_ppl: number[];
  /** One removal curve per metric asked for, keyed by its name ({@link SweepMetric}). */
  curves: Record<string, SweepCurve>;
  /** The conventions the metrics were computed under. */
  conventions: Conventions;
}

/** Parses `--metrics bi,relmag,...`. */
export function parseSweepMetrics(list: string): SweepMetric[] {
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!SWEEP_METRICS.includes(n as SweepMetric)) {
      throw new UserError(`Sweep metric "${n}" is unknown; choose from ${SWEEP_METRICS.join(", ")}`);
    }
  }
  if (names.length === 0) throw new UserError(`--metrics is empty; e.g. --metrics bi,relmag,reverse`);
  return [...new Set(names)] as SweepMetric[];
}

/** Progress events of a sweep: a phase name and counts. */
export type SweepProgress = (phase: string, done: number, total: number) => void;

/**
 * Runs the sweep: metrics from the calibration `windows`, perplexities on `evalWindows` (a
 * different text, so no reported perplexity comes from the text that chose the layers; default:
 * the calibration windows). `maxRemove` bounds k (default L − 1). The `ppl` metric orders layers
 * by their single-layer perplexity on the calibration windows. Every window's ids are checked once,
 * before any work (not by each of the many perplexity runs), unless `checkIds` is false because
 * the caller has done so.
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { sweep } from "./sweep.ts";
 * const model = loadModel("testdata/models/bytellama-12L");
 * const windows = [Int32Array.from(new TextEncoder().encode("Once upon a time, there was a cat."))];
 * const evalWindows = [Int32Array.from(new TextEncoder().encode("The dog ran to the park and played."))];
 * const r = await sweep(model, windows, ["bi", "reverse"], { maxRemove: 3, evalWindows });
 * console.log(r.curves.bi.ppl); // dense, then 1, 2, 3 layers removed
 * ```
 */
export async function sweep<A>(
  model: CausalLM<A>,
  windows: readonly Int32Array[],
  metrics: readonly SweepMetric[],
  opts: {
    maxRemove?: number;
    /** Windows of the text perplexity is measured on (default: `windows`). */
    evalWindows?: readonly Int32Array[];
    conventions?: Partial<Conventions>;
    onProgress?: SweepProgress;
    /** Also measure a task's accuracy at every k (the paper's Fig. 5, right panel). */
    accuracy?: (model: CausalLM<A>) => Promise<number>;
    /** Check the windows' ids first (default true; false when the caller has, see {@link checkWindows}). */
    checkIds?: boolean;
  } = {},
): Promise<SweepResult> {
  const L = model.blocks.length;
  const K = Math.min(opts.maxRemove ?? L - 1, L - 1);
  const conv: Conventions = {
    lastHidden: opts.conventions?.lastHidden ?? "raw",
    reduce: opts.conventions?.reduce ?? "mean",
  };
  const progress = opts.onProgress ?? (() => {});
  const evalWindows = opts.evalWindows ?? windows;
  if (opts.checkIds ?? true) checkWindows(model, evalWindows === windows ? windows : [...windows, ...evalWindows]);
  const unchecked = { checkIds: false }; // every window was checked above (or by the caller)

  const bi = new BlockInfluence(L, conv.reduce), rm = new RelativeMagnitude(L);
  if (metrics.includes("bi") || metrics.includes("relmag")) {
    await feedWindows(model, windows, [bi, rm], conv.lastHidden, (d, t) => progress("hidden states", d, t));
  }
  const single = await pplRemovalScores(
    model,
    evalWindows,
    (d, t) => progress("single-layer removal", d, t),
    unchecked,
  );
  const singleOnCalibration = evalWindows === windows || !metrics.includes("ppl") ? single : await pplRemovalScores(
    model,
    windows,
    (d, t) => progress("single-layer removal (calibration)", d, t),
    unchecked,
  );
  const dense = (await perplexity(model, evalWindows, undefined, unchecked)).ppl;
  const denseAcc = opts.accuracy ? await opts.accuracy(model) : undefined;
  // Curves share points (every curve's k = 1 is a single-layer removal; metrics whose orders
  // begin alike share more): each set of removed layers is measured once.
  const measured = new Map<string, { ppl: number; acc?: number }>();
  if (!opts.accuracy) single.forEach((ppl, i) => measured.set(String(i), { ppl }));
  const measure = async (removed: number[]) => {
    const key = [...removed].sort((a, b) => a - b).join(",");
    let r = measured.get(key);
    if (!r) {
      const pruned = withoutLayers(model, removed);
      r = {
        ppl: (await perplexity(pruned, evalWindows, undefined, unchecked)).ppl,
        acc: opts.accuracy ? await opts.accuracy(pruned) : undefined,
      };
      measured.set(key, r);
    }
    return r;
  };
  const scoresOf: Record<SweepMetric, () => number[]> = {
    bi: () => bi.finish(),
    relmag: () => rm.finish(),
    sequential: () => sequentialScores(L),
    reverse: () => reverseScores(L),
    ppl: () => singleOnCalibration,
  };
  const curves: Record<string, SweepCurve> = {};
  const total = metrics.length * K;
  let done = 0;
  for (const m of metrics) {
    const scores = scoresOf[m]();
    const order = removalOrder(scores);
    const ppl = [dense];
    const acc = opts.accuracy ? [denseAcc!] : undefined;
    for (let k = 1; k <= K; k++) {
      const point = await measure(order.slice(0, k));
      ppl.push(point.ppl);
      if (acc) acc.push(point.acc!);
      progress("removal curves", ++done, total);
    }
    curves[m] = acc ? { scores, order, ppl, acc } : { scores, order, ppl };
  }
  return {
    layers: L,
    windows: windows.length,
    tokens: countTokens(windows),
    eval_windows: evalWindows.length,
    eval_tokens: countTokens(evalWindows),
    dense_ppl: dense,
    single_layer_ppl: single,
    curves,
    conventions: conv,
  };
}
