/**
 * Importance metrics: parse a metric name, run it over calibration windows, report scores and
 * the removal order (ascending score, ties to the lower index).
 *
 * @module
 */
import { UserError } from "../errors.ts";
import { forward } from "../models/forward.ts";
import type { CausalLM } from "../models/model.ts";
import { countTokens } from "../calibration.ts";
import { AngularDistance } from "./angular.ts";
import { BlockInfluence } from "./block_influence.ts";
import { type Conventions, type HiddenStateMetric, removalOrder } from "./metric.ts";
import { pplRemovalScores } from "./ppl_removal.ts";
import { RelativeMagnitude } from "./relative_magnitude.ts";
import { reverseScores } from "./reverse.ts";
import { sequentialScores } from "./sequential.ts";

export { type Conventions, removalOrder };

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
export function metricName(m: MetricSpec): string {
  return m.kind === "angular" ? `angular:${m.n}` : m.kind;
}

/** What {@link computeImportance} returns (DESIGN.md §4 report shape). */
export interface ImportanceReport {
  metric: string;
  /** One score per layer (angular:n: one per block of n layers starting at layer i). */
  scores: number[];
  /** Ascending score, ties to the lower index: the order in which to remove. */
  order: number[];
  tokens: number;
  windows: number;
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
 * Whether `metrics` are fed from `Ops.changeSums` rather than from hidden states read back:
 * on a device backend (the hidden states stay there and two numbers per block come back) when
 * every metric takes sums; `force` chooses (tests run the sums path on the CPU too).
 */
export function useChangeSums(
  opsName: string,
  metrics: readonly HiddenStateMetric[],
  force?: boolean,
): boolean {
  const possible = metrics.length > 0 && metrics.every((m) => m.changeSums && !m.state);
  if (!possible) return false;
  return force ?? opsName !== "cpu";
}

/**
 * Runs the hidden-state metrics over every window, one window at a time (window-major). On a
 * device backend BI and Relative Magnitude read back only each block's sums (one read of [L,2]
 * per window, see {@link useChangeSums}); otherwise every X_i comes to the host.
 */
export async function observeWindows<A>(
  model: CausalLM<A>,
  windows: readonly Int32Array[],
  metrics: readonly HiddenStateMetric[],
  lastHidden: "raw" | "hf",
  onWindow?: (done: number, total: number) => void,
  sums: boolean = useChangeSums(model.ops.name, metrics),
): Promise<void> {
  const { ops } = model;
  const L = model.blocks.length, D = model.info.hiddenSize;
  for (let w = 0; w < windows.length; w++) {
    const T = windows[w].length;
    if (sums) {
      const out = ops.upload(new Float32Array(2 * L)); // [L,2]: Σ(1 − cos), Σ relmag per block
      let prev: A | undefined;
      const see = (i: number, x: A) => {
        const seen = i === L && lastHidden === "hf" ? model.finalNorm(x, T) : x;
        if (prev !== undefined) ops.changeSums(prev, seen, T, D, out, i - 1);
        prev = x;
      };
      await forward(model, windows[w], { onHidden: see, hiddenOnly: true, checkFinite: false });
      const host = await ops.read(out);
      for (let i = 0; i < L; i++) {
        const [oneMinusCos, relmag] = sumsAt(host, i, model.blocks[i].originalIndex);
        for (const m of metrics) m.changeSums!(i, oneMinusCos, relmag, T);
      }
    } else {
      let prev: Float32Array | undefined;
      const see = async (i: number, handle: A) => {
        const x = await ops.read(i === L && lastHidden === "hf" ? model.finalNorm(handle, T) : handle);
        for (const m of metrics) {
          if (prev) m.step?.(i - 1, prev, x, T, D);
          m.state?.(w, i, x, T, D);
        }
        prev = x;
      };
      await forward(model, windows[w], { onHidden: see, hiddenOnly: true });
    }
    onWindow?.(w + 1, windows.length);
  }
}

/**
 * Row j of the sums of `Ops.changeSums` ([n,2]), checked: a non-finite sum means the
 * block's output overflowed (NaN and Inf propagate into it), and the error names `layer`.
 */
export function sumsAt(sums: Float32Array, j: number, layer: number): [oneMinusCos: number, relmag: number] {
  const oneMinusCos = sums[2 * j], relmag = sums[2 * j + 1];
  if (!Number.isFinite(oneMinusCos) || !Number.isFinite(relmag)) {
    throw new UserError(
      `The output of layer ${layer} holds NaN or Inf (seen in its Block Influence sums); ` +
        "the weights overflow float32 on this input or are corrupt",
    );
  }
  return [oneMinusCos, relmag];
}

/**
 * How the metrics see a model: feed hidden-state metrics, and measure perplexity with layers
 * removed. Window-major (a loaded model) and layer-major (streaming) runners both exist.
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

/** The window-major runner over a loaded model. */
export function modelRunner<A>(model: CausalLM<A>, windows: readonly Int32Array[]): ImportanceRunner {
  return {
    numLayers: model.blocks.length,
    observe: (metrics, lastHidden, onProgress) => observeWindows(model, windows, metrics, lastHidden, onProgress),
    pplRemoval: (onProgress) => pplRemovalScores(model, windows, onProgress),
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
export function computeImportance<A>(
  model: CausalLM<A>,
  windows: readonly Int32Array[],
  metric: MetricSpec,
  conventions: Partial<Conventions> = {},
  onProgress?: (done: number, total: number) => void,
): Promise<ImportanceReport> {
  return scoreLayers(modelRunner(model, windows), windows, metric, conventions, onProgress);
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
