/**
 * One call from a task name and a data folder to an {@link EvalReport}: read the items, score
 * them as lm-eval does (multiple choice, or LAMBADA's greedy last word).
 *
 * @module
 */
import type { Tokenizer } from "../io/tokenizer/mod.ts";
import type { CausalLM } from "../models/model.ts";
import { UserError } from "../errors.ts";
import {
  type EvalReport,
  evaluateGreedy,
  evaluateMultipleChoice,
  type McItem,
  type OnItem,
} from "./multiple_choice.ts";
import { findTask, type ReadOptions, type Task } from "./tasks/mod.ts";

/** Options of {@link evaluateTask}. */
export interface EvaluateOptions extends ReadOptions {
  /** Called after each item with (done, total); `total` is known once the items are read. */
  onItem?: OnItem;
  /** Run the context the choices share once (default true). */
  sharePrefix?: boolean;
  /**
   * BOS in front of each context where the tokenizer adds one (default true, as lm-eval's HF
   * backend since 0.4.9.2; false as before it, or with `add_bos_token=False`).
   */
  bos?: boolean;
}

/**
 * Evaluates `model` on task `taskName` with the data in `dataDir`.
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { BytesTokenizer } from "../io/tokenizer/mod.ts";
 * import { evaluateTask } from "./evaluate.ts";
 * const model = loadModel("testdata/models/bytellama-12L");
 * const r = await evaluateTask(model, new BytesTokenizer(), "copa", "testdata/eval/copa", { limit: 5 });
 * console.log(r.acc, r.acc_stderr);
 * ```
 */
export async function evaluateTask<A>(
  model: CausalLM<A>,
  tok: Tokenizer,
  taskName: string,
  dataDir: string,
  opts: EvaluateOptions = {},
): Promise<EvalReport> {
  return await scoreTaskItems(model, tok, readTaskItems(taskName, dataDir, opts), opts);
}

/** A task's items read from `dataDir`, checked (shots, limit, at least one item); no model needed. */
export function readTaskItems(taskName: string, dataDir: string, opts: ReadOptions = {}): TaskItems {
  const task = findTask(taskName);
  const shots = opts.shots ?? 0;
  if (!Number.isInteger(shots) || shots < 0 || shots > task.maxShots) {
    throw new UserError(
      task.maxShots === 0
        ? `Task "${task.name}" is zero-shot here; leave out --shots (got ${shots})`
        : `--shots for "${task.name}" must be 0..${task.maxShots}; got ${shots}`,
    );
  }
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit >= 1)) {
    throw new UserError(`--limit must be 1 or more; got ${opts.limit}`);
  }
  const items = task.read(dataDir, { shots, split: opts.split, limit: opts.limit });
  if (items.length === 0) throw new UserError(`Task "${task.name}" read no items from "${dataDir}"`);
  return { task, items };
}

/** Scores items read by {@link readTaskItems} (a sweep reads them once and scores them at every point). */
export async function scoreTaskItems<A>(
  model: CausalLM<A>,
  tok: Tokenizer,
  { task, items }: TaskItems,
  opts: Omit<EvaluateOptions, keyof ReadOptions> = {},
): Promise<EvalReport> {
  const scoring = { sharePrefix: opts.sharePrefix, bos: opts.bos };
  const report = task.scoring === "greedy"
    ? await evaluateGreedy(model, tok, task.name, items, opts.onItem, scoring)
    : await evaluateMultipleChoice(model, tok, task.name, items, opts.onItem, scoring);
  report.deviations = [...task.deviations, ...report.deviations];
  return report;
}

/** A task and its items. */
export interface TaskItems {
  task: Task;
  items: McItem[];
}
