/**
 * Perplexity (docs/conventions.md "Perplexity"): exp(mean negative log-likelihood over every predicted token of
 * every window); the first token of a window is not predicted. Log-likelihoods are summed in
 * float64.
 *
 * @module
 */
import { checkWindows, forward } from "../models/forward.ts";
import type { CausalLM } from "../models/model.ts";

/** Perplexity and its parts. */
export interface PerplexityResult {
  /** exp(nll_mean). */
  ppl: number;
  /** Mean negative log-likelihood per predicted token, in nats (float64 sums). */
  nll_mean: number;
  /** Predicted tokens (each window contributes its length − 1). */
  tokens: number;
  /** Windows run. */
  windows: number;
}

/** log softmax(logits[row])[target], in float64. */
export function logProb(logits: Float32Array, row: number, V: number, target: number): number {
  const base = row * V;
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (logits[base + v] > max) max = logits[base + v];
  let z = 0;
  for (let v = 0; v < V; v++) z += Math.exp(logits[base + v] - max);
  return logits[base + target] - max - Math.log(z);
}

/** Sum of −log p(ids[t+1] | ids[..t]) over t = 0..T−2 from logits [T,V]. */
export function windowNll(logits: Float32Array, ids: Int32Array, V: number): number {
  let nll = 0;
  for (let t = 0; t + 1 < ids.length; t++) nll -= logProb(logits, t, V, ids[t + 1]);
  return nll;
}

/**
 * Perplexity of `model` over `windows` (their ids checked once, before any window runs, unless
 * `checkIds` is false because the caller has done so).
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { perplexity } from "./perplexity.ts";
 * const model = loadModel("testdata/models/stories260K");
 * const { ppl } = await perplexity(model, [Int32Array.from([1, 403, 407, 261])]);
 * ```
 */
export async function perplexity<A>(
  model: CausalLM<A>,
  windows: readonly Int32Array[],
  onWindow?: (done: number, total: number) => void,
  { checkIds = true }: { checkIds?: boolean } = {},
): Promise<PerplexityResult> {
  if (checkIds) checkWindows(model, windows);
  let nll = 0, tokens = 0;
  for (let w = 0; w < windows.length; w++) {
    const ids = windows[w];
    if (ids.length >= 2) {
      const { logits } = await forward(model, ids, { checkIds: false });
      nll += windowNll(await model.ops.read(logits!), ids, model.info.vocabSize);
      tokens += ids.length - 1;
    }
    onWindow?.(w + 1, windows.length);
  }
  return perplexityFrom(nll, tokens, windows.length);
}

/** The {@link PerplexityResult} of a summed NLL over `tokens` predicted tokens in `windows` windows. */
export function perplexityFrom(nll: number, tokens: number, windows: number): PerplexityResult {
  const nll_mean = tokens > 0 ? nll / tokens : NaN;
  return { ppl: Math.exp(nll_mean), nll_mean, tokens, windows };
}
