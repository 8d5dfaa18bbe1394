/**
 * Importance metrics: parse a metric name, run it over calibration windows, report scores and
 * the removal order (ascending score, ties to the lower index).
 *
 * @module
 */
import { UserError } from "../errors.ts";
import { checkWindows, forward } from "../models/forward.ts";
import type { CausalLM } from "../models/model.ts";
import { countTokens } from "../calibration.ts";
import { AngularDistance } from "./angular.ts";
import { BlockInfluence } from "./block_influence.ts";
import { MetricFeed, useChangeSums } from "./feed.ts";
import { type Conventions, type HiddenStateMetric, removalOrder } from "./metric.ts";
import { pplRemovalScores } from "./ppl_removal.ts";
import { RelativeMagnitude } from "./relative_magnitude.ts";
import { reverseScores } from "./reverse.ts";
import { sequentialScores } from "./sequential.ts";

export { type Conventions, removalOrder, useChangeSums };

/** The metric names `--metric` accepts (`angular:N` with N ≥ 1). */
export const METRICS = ["bi", "relmag", "angular:N", "sequential", "reverse", "ppl"] as const;

/** A parsed metric name. */
export type MetricSpec =
  | { kind: "bi" | "relmag" | "sequential" | "reverse" | "ppl" }
  | { kind: "angular"; n: number };

/** Parses `bi`, `relmag`, `angular:4`, ... */
export function parseMetric(name: string): MetricSpec {
  const m = /^angular:(\d+)$/.exec(name);
  if (m) return { kind: "angular", n: Number(m[1]) };
  if (["bi", "relmag", "sequential", "reverse", "ppl"].includes(name)) {
    return { kind: name as "bi" | "relmag" | "sequential" | "reverse" | "ppl" };
  }
  throw new UserError(`Unknown metric "${name}"; choose one of: ${METRICS.join(", ")}`);
}

/** Checks that `metric` can score a model of L layers (angular:N needs 1 ≤ N ≤ L). */
export function checkMetric(metric: MetricSpec, L: number): void {
  if (metric.kind === "angular" && !(metric.n >= 1 && metric.n <= L)) {
    throw new UserError(`Metric "angular:${metric.n}" needs 1 <= n <= ${L} (the model has ${L} layers)`);
  }
}

/** Canonical name of a metric spec. */
function metricName(m: MetricSpec): string {
  return m.kind === "angular" ? `angular:${m.n}` : m.kind;
}

/** What {@link computeImportance} returns (its JSON form: docs/conventions.md "Files we write"). */
export interface ImportanceReport {
  /** The metric's name as parsed (`bi`, `relmag`, `angular:N`, ...; see {@link METRICS}). */
  metric: string;
  /** One score per layer (angular:n: one per block of n layers starting at layer i). */
  scores: number[];
  /** Ascending score, ties to the lower index: the order in which to remove. */
  order: number[];
  /** Calibration tokens the scores were computed on. */
  tokens: number;
  /** Calibration windows. */
  windows: number;
  /** The {@link Conventions} used, plus the removal rule, the cosine at zero norm and what a score means. */
  conventions: Conventions & { removal_order: string; zero_norm_cosine: number; score_meaning: string };
}

const MEANING: Record<MetricSpec["kind"], string> = {
  bi: "1 - cos(X_i, X_{i+1}) over calibration tokens; low = removable",
  relmag: "||X_{i+1} - X_i|| / ||X_{i+1}|| over calibration tokens; low = removable",
  angular: "arccos(cos(X_i, X_{i+n}))/pi on each window's last token; low = removable block of n layers",
  sequential: "i: removes layer 0 first (paper Table 3)",
  reverse: "L-1-i: removes the last layer first (paper Table 3)",
  ppl: "perplexity with only layer i removed (paper Fig. 3); low = removable",
};

/**
 * Runs the hidden-state metrics over every window, one window at a time (window-major), each
 * block's input and output going through the {@link MetricFeed}. On a device backend BI and
 * Relative Magnitude read back only each block's sums (one read of [L,2] per window, see
 * {@link useChangeSums}); otherwise every X_i comes to the host.
 */
export async function observeWindows<A>(
  model: CausalLM<A>,
  windows: readonly Int32Array[],
  metrics: readonly HiddenStateMetric[],
  lastHidden: "raw" | "hf",
  onWindow?: (done: number, total: number) => void,
  sums: boolean = useChangeSums(model.ops.name, metrics),
): Promise<void> {
  checkWindows(model, windows);
  await feedWindows(model, windows, metrics, lastHidden, onWindow, sums);
}

/** {@link observeWindows} over windows already checked against the model ({@link checkWindows}). */
export async function feedWindows<A>(
  model: CausalLM<A>,
  windows: readonly Int32Array[],
  metrics: readonly HiddenStateMetric[],
  lastHidden: "raw" | "hf",
  onWindow?: (done: number, total: number) => void,
  sums = useChangeSums(model.ops.name, metrics),
): Promise<void> {
  const L = model.blocks.length;
  const feed = new MetricFeed(model, metrics, { blocks: L, lastHidden, rows: L, sums });
  for (let w = 0; w < windows.length; w++) {
    const T = windows[w].length;
    let xIn: A; // X_i of this window, the input of the block whose output comes next
    const see = (i: number, x: A) => {
      const from = xIn;
      xIn = x;
      return i === 0 ? feed.embedded(w, x, T) : feed.block(w, i - 1, model.blocks[i - 1].originalIndex, from, x, T);
    };
    // The feed checks every output for NaN and Inf itself (from the sums, or from what it reads).
    await forward(model, windows[w], { onHidden: see, hiddenOnly: true, checkFinite: false, checkIds: false });
    await feed.flush();
    onWindow?.(w + 1, windows.length);
  }
}

/**
 * How the metrics see a model: feed hidden-state metrics, and measure perplexity with layers
 * removed. Window-major (a loaded model) and layer-major (streaming) runners both exist. A runner
 * checks its windows' ids against the model once, when it is made, so a bad id is reported
 * before any work (and any progress line); its passes do not check them again.
 */
export interface ImportanceRunner {
  readonly numLayers: number;
  observe(
    metrics: readonly HiddenStateMetric[],
    lastHidden: "raw" | "hf",
    onProgress?: (d: number, t: number) => void,
  ): Promise<void>;
  /** Perplexity over the windows with only layer i removed, for every i. */
  pplRemoval(onProgress?: (d: number, t: number) => void): Promise<number[]>;
}

/** The window-major runner over a loaded model (checks the windows' ids now). */
export function modelRunner<A>(model: CausalLM<A>, windows: readonly Int32Array[]): ImportanceRunner {
  checkWindows(model, windows);
  return {
    numLayers: model.blocks.length,
    observe: (metrics, lastHidden, onProgress) => feedWindows(model, windows, metrics, lastHidden, onProgress),
    pplRemoval: (onProgress) => pplRemovalScores(model, windows, onProgress, { checkIds: false }),
  };
}

/**
 * Scores every layer of `model` by `metric` over `windows`.
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { computeImportance, parseMetric } from "./mod.ts";
 * const model = loadModel("testdata/models/bytellama-12L");
 * const windows = [Int32Array.from(new TextEncoder().encode("Once upon a time"))];
 * const bi = await computeImportance(model, windows, parseMetric("bi"));
 * console.log(bi.order); // layers, most removable first
 * ```
 */
export async function computeImportance<A>(
  model: CausalLM<A>,
  windows: readonly Int32Array[],
  metric: MetricSpec,
  conventions: Partial<Conventions> = {},
  onProgress?: (done: number, total: number) => void,
): Promise<ImportanceReport> {
  return await scoreLayers(modelRunner(model, windows), windows, metric, conventions, onProgress);
}

/** Scores every layer through `runner` (window-major or streaming). */
export async function scoreLayers(
  runner: ImportanceRunner,
  windows: readonly Int32Array[],
  metric: MetricSpec,
  conventions: Partial<Conventions> = {},
  onProgress?: (done: number, total: number) => void,
): Promise<ImportanceReport> {
  const conv: Conventions = { lastHidden: conventions.lastHidden ?? "raw", reduce: conventions.reduce ?? "mean" };
  const L = runner.numLayers;
  let scores: number[];
  switch (metric.kind) {
    case "sequential":
      scores = sequentialScores(L);
      break;
    case "reverse":
      scores = reverseScores(L);
      break;
    case "ppl":
      scores = await runner.pplRemoval(onProgress);
      break;
    default: {
      let m: HiddenStateMetric;
      if (metric.kind === "bi") m = new BlockInfluence(L, conv.reduce);
      else if (metric.kind === "relmag") m = new RelativeMagnitude(L);
      else if (metric.kind === "angular") {
        checkMetric(metric, L);
        m = new AngularDistance(L, metric.n, conv.reduce);
      } else throw new Error(`unreachable metric ${metric.kind}`);
      await runner.observe([m], conv.lastHidden, onProgress);
      scores = m.finish();
    }
  }
  return {
    metric: metricName(metric),
    scores,
    order: removalOrder(scores),
    tokens: countTokens(windows),
    windows: windows.length,
    conventions: {
      ...conv,
      removal_order: "ascending score, ties to the lower layer index",
      zero_norm_cosine: 0.5,
      score_meaning: MEANING[metric.kind],
    },
  };
}
