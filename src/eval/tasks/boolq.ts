/**
 * BoolQ dev in SuperGLUE's layout (`val.jsonl`: question, passage, idx, label).
 *
 * Prompt as lm-eval's `lm_eval/tasks/super_glue/boolq/default.yaml`:
 * `"{passage}\nQuestion: {question}?\nAnswer:"`, choices `["no", "yes"]`, gold = label (true → 1);
 * acc. The passage is SuperGLUE's `title -- passage`, as lm-eval reads it from `super_glue`.
 *
 * @module
 */
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { parseJsonl, readText, str, take, taskDir } from "./_files.ts";
import { badRecord, chooseSplit, type ReadOptions, type Task } from "./task.ts";

/** Items from the text of BoolQ's `val.jsonl`. */
export function parseBoolq(text: string, where = "boolq"): McItem[] {
  return parseJsonl(text, where).map((d, i) => {
    const at = `${where}, line ${i + 1}`;
    if (typeof d.label !== "boolean") {
      throw badRecord(at, `label should be true or false, got ${JSON.stringify(d.label)}`);
    }
    return {
      context: `${str(d, "passage", at)}\nQuestion: ${str(d, "question", at)}?\nAnswer:`,
      choices: ["no", "yes"],
      gold: d.label ? 1 : 0,
      id: String(d.idx ?? i),
    };
  });
}

export const boolq: Task = {
  name: "boolq",
  folder: "boolq",
  scoring: "multiple_choice",
  summary: "BoolQ dev (3,270 yes/no; majority baseline 0.622)",
  source: "lm_eval/tasks/super_glue/boolq/default.yaml",
  deviations: [],
  splits: ["validation"],
  maxShots: 0,
  read(dir: string, opts: ReadOptions = {}): McItem[] {
    chooseSplit(boolq, opts.split);
    const p = join(taskDir(dir, "boolq", "val.jsonl"), "val.jsonl");
    return take(parseBoolq(readText(p), `"${p}"`), opts.limit);
  },
};
