/**
 * Multiple choice as lm-evaluation-harness scores it (docs/evaluation.md "The scoring rule"; `ConfigurableTask.
 * process_results` in `lm_eval/api/task.py`):
 *
 * - choice i is the request (context_i, " " + choices[i]) (" " is lm-eval's `target_delimiter`);
 *   its score is the summed log-likelihood of the continuation ids ({@link loglikelihoods});
 * - `pred` = argmax of the scores, `pred_norm` = argmax of score / length, where length is the
 *   number of characters (Unicode code points, as Python's `len`) of `choices[i]`, without the
 *   delimiter: `completion_len = [len(c) for c in doc_to_choice(doc)]`;
 * - ties go to the lower choice index (`np.argmax`);
 * - acc and acc_norm are means over items, with lm-eval's `mean_stderr`: sample standard
 *   deviation (n − 1) over sqrt(n).
 *
 * Tasks scored by one continuation and `is_greedy` (LAMBADA) use {@link evaluateGreedy}.
 *
 * @module
 */
import type { Tokenizer } from "../io/tokenizer/mod.ts";
import type { CausalLM } from "../models/model.ts";
import { encodePair, type LoglikelihoodOptions, loglikelihoods } from "./loglikelihood.ts";

/** lm-eval's default `target_delimiter`, put between a context and each choice. */
export const DELIMITER = " ";

/** One multiple-choice item, as a task reader returns it. */
export interface McItem {
  /**
   * The prompt (lm-eval's `doc_to_text`, few-shot examples included). One string shared by every
   * choice, or one per choice for partial scoring (WinoGrande: the sentence up to the blank with
   * that choice's option filled in).
   */
  context: string | string[];
  /** The answers as lm-eval's `doc_to_choice` gives them; each is scored as `" " + choice`. */
  choices: string[];
  /** Index of the correct choice. */
  gold: number;
  /** Subset the item belongs to (MMLU subject, BLiMP/Zorro paradigm), for per-group accuracy. */
  group?: string;
  /** The item's id in its source file, when it has one. */
  id?: string;
}

/** The scores of one item (the `items` entries of `eval --json`). */
export interface ItemScore {
  index: number;
  gold: number;
  /** Summed log-likelihood of each choice (float64). */
  loglikelihoods: number[];
  /** Characters of each choice (code points), the divisor of acc_norm. */
  lengths: number[];
  pred: number;
  pred_norm: number;
  group?: string;
  /** Per choice: it is the greedy continuation (LAMBADA's accuracy). */
  is_greedy?: boolean[];
  /** Context tokens cut from the left to fit the model (largest over the choices). */
  truncated?: number;
}

/** The context choice `i` is scored after. */
export function contextOf(item: McItem, i: number): string {
  return typeof item.context === "string" ? item.context : item.context[i];
}

/** Characters of `s` as Python's `len` counts them (code points, not UTF-16 units). */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Index of the largest value; the lowest index among equals (`np.argmax`). */
export function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/**
 * Scores one item: every choice's log-likelihood, then `pred` and `pred_norm`.
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { BytesTokenizer } from "../io/tokenizer/mod.ts";
 * import { scoreItem } from "./multiple_choice.ts";
 * const model = loadModel("testdata/models/bytellama-12L");
 * const s = await scoreItem(model, new BytesTokenizer(), { context: "Once upon a", choices: ["time", "dog"], gold: 0 }, 0);
 * console.log(s.pred); // 0
 * ```
 */
export async function scoreItem<A>(
  model: CausalLM<A>,
  tok: Tokenizer,
  item: McItem,
  index: number,
  opts?: LoglikelihoodOptions,
): Promise<ItemScore> {
  const requests = item.choices.map((c, i) => encodePair(tok, contextOf(item, i), DELIMITER + c, opts));
  const results = await loglikelihoods(model, requests, opts);
  const lls = results.map((r) => r.ll);
  const lengths = item.choices.map(charLength);
  const score: ItemScore = {
    index,
    gold: item.gold,
    loglikelihoods: lls,
    lengths,
    pred: argmax(lls),
    pred_norm: argmax(lls.map((ll, i) => ll / lengths[i])),
  };
  if (item.group !== undefined) score.group = item.group;
  const truncated = Math.max(...results.map((r) => r.truncated));
  if (truncated > 0) score.truncated = truncated;
  return score;
}

/** lm-eval's `mean_stderr`: sample standard deviation (n − 1) / sqrt(n); NaN below 2 values. */
export function meanStderr(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length ? s / xs.length : NaN;
}

/** Accuracy of a subset. */
export interface GroupResult {
  n: number;
  acc: number;
  acc_norm: number;
}

/** What `eval` reports (docs/evaluation.md "Reproducing numbers": `eval --json`). */
export interface EvalReport {
  task: string;
  n: number;
  acc: number;
  /** null for tasks without a length-normalised score (LAMBADA). */
  acc_norm: number | null;
  acc_stderr: number;
  acc_norm_stderr: number | null;
  /** Per-word perplexity exp(−mean ll) (LAMBADA only). */
  ppl?: number;
  /** Accuracy per subject / paradigm, when the task has groups. */
  groups?: Record<string, GroupResult>;
  items: ItemScore[];
}

/** acc, acc_norm, their standard errors and per-group accuracy from item scores. */
export function summarize(task: string, items: ItemScore[]): EvalReport {
  const acc = items.map((s) => (s.pred === s.gold ? 1 : 0));
  const accNorm = items.map((s) => (s.pred_norm === s.gold ? 1 : 0));
  const report: EvalReport = {
    task,
    n: items.length,
    acc: mean(acc),
    acc_norm: mean(accNorm),
    acc_stderr: meanStderr(acc),
    acc_norm_stderr: meanStderr(accNorm),
    items,
  };
  const names = [...new Set(items.flatMap((s) => (s.group === undefined ? [] : [s.group])))];
  if (names.length > 1) {
    report.groups = {};
    for (const g of names.sort()) {
      const ix = items.map((s, i) => (s.group === g ? i : -1)).filter((i) => i >= 0);
      report.groups[g] = { n: ix.length, acc: mean(ix.map((i) => acc[i])), acc_norm: mean(ix.map((i) => accNorm[i])) };
    }
  }
  return report;
}

/** Called after each item with (done, total). */
export type OnItem = (done: number, total: number) => void;

/**
 * Scores every item and summarizes (docs/evaluation.md: `eval --json`).
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { BytesTokenizer } from "../io/tokenizer/mod.ts";
 * import { evaluateMultipleChoice } from "./multiple_choice.ts";
 * const model = loadModel("testdata/models/bytellama-12L");
 * const items = [{ context: "The sky is", choices: ["blue.", "loud."], gold: 0 }];
 * const r = await evaluateMultipleChoice(model, new BytesTokenizer(), "demo", items);
 * console.log(r.acc, r.items[0].loglikelihoods);
 * ```
 */
export async function evaluateMultipleChoice<A>(
  model: CausalLM<A>,
  tok: Tokenizer,
  task: string,
  items: readonly McItem[],
  onItem?: OnItem,
  opts?: LoglikelihoodOptions,
): Promise<EvalReport> {
  const scores: ItemScore[] = [];
  for (let i = 0; i < items.length; i++) {
    scores.push(await scoreItem(model, tok, items[i], i, opts));
    onItem?.(i + 1, items.length);
  }
  return summarize(task, scores);
}

/**
 * lm-eval's `output_type: loglikelihood` tasks (LAMBADA): each item has one choice, the target;
 * acc = the target is the greedy continuation (`is_greedy`: the arg-max token at every
 * position of the target), and `ppl` = exp(−mean of the targets' log-likelihoods) (lm-eval's
 * `perplexity` aggregation). `pred` is 0 when greedy and −1 otherwise; there is no acc_norm.
 */
export async function evaluateGreedy<A>(
  model: CausalLM<A>,
  tok: Tokenizer,
  task: string,
  items: readonly McItem[],
  onItem?: OnItem,
  opts?: LoglikelihoodOptions,
): Promise<EvalReport> {
  const scores: ItemScore[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const [r] = await loglikelihoods(model, [encodePair(tok, contextOf(item, 0), DELIMITER + item.choices[0], opts)]);
    const pred = r.isGreedy ? 0 : -1;
    const s: ItemScore = {
      index: i,
      gold: 0,
      loglikelihoods: [r.ll],
      lengths: [charLength(item.choices[0])],
      pred,
      pred_norm: pred,
      is_greedy: [r.isGreedy],
    };
    if (r.truncated > 0) s.truncated = r.truncated;
    scores.push(s);
    onItem?.(i + 1, items.length);
  }
  const acc = scores.map((s) => (s.pred === 0 ? 1 : 0));
  return {
    task,
    n: scores.length,
    acc: mean(acc),
    acc_norm: null,
    acc_stderr: meanStderr(acc),
    acc_norm_stderr: null,
    ppl: Math.exp(-mean(scores.map((s) => s.loglikelihoods[0]))),
    items: scores,
  };
}
