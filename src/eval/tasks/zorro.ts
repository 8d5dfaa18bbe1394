/**
 * Zorro minimal pairs (`sentences/babyberta/<paradigm>.txt`: line 2k−1 ungrammatical, line 2k
 * grammatical). Not an lm-eval task; scored exactly like BLiMP (`lm_eval/tasks/blimp/_template_yaml`):
 * empty context, choices `[good, bad]` each scored as `" " + sentence`, gold 0.
 *
 * The sentences are used as the files have them (lower-case, a space before punctuation,
 * e.g. `this color must be white .`); both sentences of a pair share that form.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { lines, readText, take, taskDir } from "./_files.ts";
import { badRecord, chooseSplit, type ReadOptions, type Task } from "./task.ts";

/** Items from the text of one Zorro paradigm file (`paradigm` names the group). */
export function parseZorro(text: string, paradigm: string, where = "zorro"): McItem[] {
  const ls = lines(text);
  if (ls.length % 2 !== 0) throw badRecord(where, `${ls.length} lines; expected pairs (bad line, then good line)`);
  const items: McItem[] = [];
  for (let i = 0; i < ls.length; i += 2) {
    items.push({ context: "", choices: [ls[i + 1], ls[i]], gold: 0, group: paradigm });
  }
  return items;
}

export const zorro: Task = {
  name: "zorro",
  folder: "zorro",
  scoring: "multiple_choice",
  summary: "Zorro minimal pairs (child-directed vocabulary), 23 paradigms; --limit is per paradigm",
  source: "not in lm-eval; scored as lm_eval/tasks/blimp/_template_yaml",
  deviations: [
    "Not an lm-eval task: scored by BLiMP's rule (lm_eval/tasks/blimp/_template_yaml)",
  ],
  splits: ["babyberta"],
  maxShots: 0,
  read(dir: string, opts: ReadOptions = {}): McItem[] {
    const split = chooseSplit(zorro, opts.split);
    const d = join(taskDir(dir, "zorro", `sentences/${split}`), "sentences", split);
    const files = readdirSync(d).filter((f) => f.endsWith(".txt")).sort();
    if (files.length === 0) throw badRecord(d, "holds no .txt paradigm files");
    return files.flatMap((f) =>
      take(parseZorro(readText(join(d, f)), f.slice(0, -".txt".length), `"${join(d, f)}"`), opts.limit)
    );
  },
};
