/**
 * PIQA validation in its original layout (`valid.jsonl` + `valid-labels.lst`).
 *
 * Prompt as lm-eval's `lm_eval/tasks/piqa/piqa.yaml`: `"Question: {goal}\nAnswer:"`, choices
 * `[sol1, sol2]` each scored as `" " + sol`; acc and acc_norm.
 *
 * @module
 */
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { lines, parseJsonl, readText, str, take, taskDir } from "./_files.ts";
import { badRecord, chooseSplit, type ReadOptions, type Task } from "./task.ts";

/** Items from the text of `valid.jsonl` and of `valid-labels.lst`. */
export function parsePiqa(jsonl: string, labels: string, where = "piqa"): McItem[] {
  const docs = parseJsonl(jsonl, where);
  const golds = lines(labels).map((l) => l.trim());
  if (golds.length !== docs.length) throw badRecord(where, `${docs.length} questions but ${golds.length} labels`);
  return docs.map((d, i) => {
    const at = `${where}, line ${i + 1}`;
    if (golds[i] !== "0" && golds[i] !== "1") throw badRecord(at, `label "${golds[i]}" should be 0 or 1`);
    return {
      context: `Question: ${str(d, "goal", at)}\nAnswer:`,
      choices: [str(d, "sol1", at), str(d, "sol2", at)],
      gold: Number(golds[i]),
    };
  });
}

export const piqa: Task = {
  name: "piqa",
  folder: "piqa",
  scoring: "multiple_choice",
  summary: "PIQA validation (1,838 × 2)",
  source: "lm_eval/tasks/piqa/piqa.yaml",
  deviations: [],
  splits: ["validation"],
  maxShots: 0,
  read(dir: string, opts: ReadOptions = {}): McItem[] {
    chooseSplit(piqa, opts.split);
    const d = taskDir(dir, "piqa", "valid.jsonl");
    const p = join(d, "valid.jsonl");
    return take(parsePiqa(readText(p), readText(join(d, "valid-labels.lst")), `"${p}"`), opts.limit);
  },
};
