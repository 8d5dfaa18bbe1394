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
import {
  encodePair,
  type LoglikelihoodOptions,
  type LoglikelihoodResult,
  loglikelihoods,
  type TokenRequest,
} from "./loglikelihood.ts";

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
  /** Position of the item in the task's item list. */
  index: number;
  /** Index of the correct choice. */
  gold: number;
  /** Summed log-likelihood of each choice (float64). */
  loglikelihoods: number[];
  /** Characters of each choice (code points), the divisor of acc_norm. */
  lengths: number[];
  /** Choice with the highest log-likelihood (acc). */
  pred: number;
  /** Choice with the highest log-likelihood per character (acc_norm). */
  pred_norm: number;
  /** The item's subset (MMLU subject, BLiMP paradigm), when the task has them. */
  group?: string;
  /** Per choice: it is the greedy continuation (LAMBADA's accuracy). */
  is_greedy?: boolean[];
  /** Context tokens cut from the left to fit the model (largest over the choices). */
  truncated?: number;
  /** Where lm-eval has no rule for this item, what we did instead (see {@link DEVIATIONS}). */
  deviations?: Deviation[];
}

/** A case lm-eval has no rule for, met while scoring an item. */
export type Deviation = "continuation_windowed" | "no_prefix_token";

/** What each {@link Deviation} means: lm-eval's behaviour and ours (docs/evaluation.md). */
export const DEVIATIONS: Readonly<Record<Deviation, string>> = {
  continuation_windowed: "a continuation longer than the model's context, which lm-eval refuses " +
    "(an assertion in HFLM._loglikelihood_tokens), was scored in windows of ⌈max/2⌉ tokens, " +
    "each read after the tokens before it cut to fit",
  no_prefix_token: "the context is empty and the tokenizer has neither BOS nor EOS, so lm-eval's " +
    "prefix_token_id does not exist; the first token of the continuation was read as the context " +
    "and not scored",
};

/** The deviations of one item's requests and results, or undefined when there are none. */
function itemDeviations(
  requests: readonly TokenRequest[],
  results: readonly LoglikelihoodResult[],
): Deviation[] | undefined {
  const out: Deviation[] = [];
  if (results.some((r) => r.windows > 1)) out.push("continuation_windowed");
  if (requests.some((r) => r.firstIdAsContext)) out.push("no_prefix_token");
  return out.length ? out : undefined;
}

/** One line per deviation met: how many items, and what was done (the `deviations` of a report). */
export function deviationLines(items: readonly ItemScore[]): string[] {
  return (Object.keys(DEVIATIONS) as Deviation[]).flatMap((d) => {
    const k = items.filter((s) => s.deviations?.includes(d)).length;
    return k ? [`${k} of ${items.length} items: ${DEVIATIONS[d]}`] : [];
  });
}

/** The context choice `i` is scored after. */
export function contextOf(item: McItem, i: number): string {
  return typeof item.context === "string" ? item.context : item.context[i];
}

/** One (context, continuation) request as lm-eval's `construct_requests` builds it, before tokenization. */
export interface TextRequest {
  context: string;
  continuation: string;
}

/**
 * The requests an item sends, one per choice: `(context_i, target_delimiter + choice_i)`, as
 * `ConfigurableTask.construct_requests` builds them for `output_type: multiple_choice` (and, with
 * one choice, `loglikelihood`).
 */
export function requestsOf(item: McItem): TextRequest[] {
  return item.choices.map((c, i) => ({ context: contextOf(item, i), continuation: DELIMITER + c }));
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
  const requests = requestsOf(item).map((r) => encodePair(tok, r.context, r.continuation, opts));
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
  const deviations = itemDeviations(requests, results);
  if (deviations) score.deviations = deviations;
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
  /** Items in the subset. */
  n: number;
  /** Fraction with `pred === gold`. */
  acc: number;
  /** Fraction with `pred_norm === gold`. */
  acc_norm: number;
}

/** What `eval` reports (docs/evaluation.md "Reproducing numbers": `eval --json`). */
export interface EvalReport {
  /** Task name, as in `TASKS` (e.g. "copa"). */
  task: string;
  /** Items scored. */
  n: number;
  /** Fraction of items with `pred === gold`. */
  acc: number;
  /** null for tasks without a length-normalised score (LAMBADA). */
  acc_norm: number | null;
  /** Standard error of `acc` ({@link meanStderr}, as lm-eval). */
  acc_stderr: number;
  /** Standard error of `acc_norm`; null where `acc_norm` is. */
  acc_norm_stderr: number | null;
  /** Per-word perplexity exp(−mean ll) (LAMBADA only). */
  ppl?: number;
  /** Accuracy per subject / paradigm, when the task has groups. */
  groups?: Record<string, GroupResult>;
  /**
   * Where this run departs from lm-eval or lm-eval has no rule: the task's own (data layout,
   * not an lm-eval task, ...) and one line per {@link Deviation} met, with its item count.
   * Empty when the run is scored exactly as lm-eval scores it.
   */
  deviations: string[];
  /** Every item's scores, in order. */
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
    deviations: deviationLines(items),
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
    const [text] = requestsOf(item);
    const req = encodePair(tok, text.context, text.continuation, opts);
    const [r] = await loglikelihoods(model, [req]);
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
    const deviations = itemDeviations([req], [r]);
    if (deviations) s.deviations = deviations;
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
    deviations: deviationLines(scores),
    items: scores,
  };
}
