/**
 * What every task reader provides: a name, where its data lives, how lm-eval scores it, and
 * `read(dir)` → items.
 *
 * @module
 */
import { UserError } from "../../errors.ts";
import type { McItem } from "../multiple_choice.ts";

/** Options of {@link Task.read}. */
export interface ReadOptions {
  /** Few-shot examples in front of each item (MMLU: the first K rows of the subject's dev file). */
  shots?: number;
  /** Which split to read (each task lists its own; the first is the default). */
  split?: string;
  /** Read only the first N items (MMLU: of each subject, as lm-eval's --limit does per subtask). */
  limit?: number;
}

/** One evaluation task. */
export interface Task {
  /** Name on the command line (`eval --task NAME`), e.g. "copa". */
  name: string;
  /** Its folder under the shared data (`--data ../shared/data` finds it there). */
  folder: string;
  /** `multiple_choice`: acc and acc_norm; `greedy`: one target, acc = is_greedy (LAMBADA). */
  scoring: "multiple_choice" | "greedy";
  /** One line for `eval --help`: the data set, its split and size. */
  summary: string;
  /** The lm-evaluation-harness task definition we follow. */
  source: string;
  /**
   * Where this task departs from lm-eval whatever the model (data layout, not an lm-eval task,
   * ...), one sentence each; `eval --json` lists them under `deviations` (docs/evaluation.md).
   */
  deviations: readonly string[];
  /** Splits it can read; the first is the default. */
  splits: readonly string[];
  /** Largest --shots it supports (0: zero-shot only). */
  maxShots: number;
  /** Reads the items from `dir`, the task's folder (split `opts.split`, else `splits[0]`); a UserError for missing or malformed files. */
  read(dir: string, opts?: ReadOptions): McItem[];
}

/** The split asked for, checked against the task's list. */
export function chooseSplit(task: Pick<Task, "name" | "splits">, split: string | undefined): string {
  const s = split ?? task.splits[0];
  if (!task.splits.includes(s)) {
    throw new UserError(`Task "${task.name}" has no split "${s}"; choose one of: ${task.splits.join(", ")}`);
  }
  return s;
}

/** A user error for a record that does not have the expected shape. */
export function badRecord(where: string, what: string): UserError {
  return new UserError(`${where}: ${what}`);
}
