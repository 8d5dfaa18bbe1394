/**
 * COPA (SuperGLUE validation, 100 items).
 *
 * As current lm-eval (0.4.x) scores it (`lm_eval/tasks/super_glue/copa/default.yaml` with `utils.py`,
 * see docs/evaluation.md for the commits): the prompt is the premise without its final
 * character (the period) + `" because"` (question "cause") or `" therefore"` ("effect");
 * `doc_to_choice` returns `" " + convert_choice(choice)` for `choice1`, `choice2` (first letter
 * lower-cased), and the request builder puts the `target_delimiter` `" "` in front again, so
 * each continuation starts with two spaces and acc_norm's length counts the one `doc_to_choice`
 * added (`" the toilet filled with water."`: 30). lm-eval 0.3 scored one space; acc.
 *
 * @module
 */
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { parseJsonl, readText, str, take, taskDir } from "./_files.ts";
import { badRecord, chooseSplit, type ReadOptions, type Task } from "./task.ts";

/** lm-eval's `convert_choice`: the first character lower-cased. */
export function convertChoice(choice: string): string {
  return choice.slice(0, 1).toLowerCase() + choice.slice(1);
}

/** lm-eval's `doc_to_choice` for one choice: `" " + convert_choice(choice)`. */
export function copaChoice(choice: string): string {
  return " " + convertChoice(choice);
}

const CONNECTOR: Record<string, string> = { cause: "because", effect: "therefore" };

/** Items from the text of COPA's `val.jsonl`. */
export function parseCopa(text: string, where = "copa"): McItem[] {
  return parseJsonl(text, where).map((d, i) => {
    const at = `${where}, line ${i + 1}`;
    const connector = CONNECTOR[str(d, "question", at)];
    if (!connector) throw badRecord(at, `question "${d.question}" should be "cause" or "effect"`);
    if (d.label !== 0 && d.label !== 1) throw badRecord(at, `label should be 0 or 1, got ${JSON.stringify(d.label)}`);
    return {
      context: `${str(d, "premise", at).trim().slice(0, -1)} ${connector}`,
      choices: [copaChoice(str(d, "choice1", at)), copaChoice(str(d, "choice2", at))],
      gold: d.label,
      id: String(d.idx ?? i),
    };
  });
}

export const copa: Task = {
  name: "copa",
  folder: "copa",
  scoring: "multiple_choice",
  summary: "COPA validation (100 × 2)",
  source: "lm_eval/tasks/super_glue/copa/default.yaml + utils.py",
  deviations: [],
  splits: ["validation"],
  maxShots: 0,
  read(dir: string, opts: ReadOptions = {}): McItem[] {
    chooseSplit(copa, opts.split);
    const p = join(taskDir(dir, "copa", "val.jsonl"), "val.jsonl");
    return take(parseCopa(readText(p), `"${p}"`), opts.limit);
  },
};
