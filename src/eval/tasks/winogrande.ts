/**
 * WinoGrande 1.1 dev (`dev.jsonl`: sentence with one `_`, option1, option2, answer "1"/"2").
 *
 * Partial scoring as lm-eval's `lm_eval/tasks/winogrande/default.yaml` with
 * `preprocess_winogrande.py`: the contexts are the sentence up to the blank with each option
 * filled in (`doc_to_choice`, `multiple_inputs: true`), the one continuation is
 * `" " + sentence[blank + 1:].strip()` (`doc_to_target`), so both options are compared on the
 * log-likelihood of the same text after the blank; acc. (Both choices have the same
 * continuation, so acc_norm equals acc here; lm-eval does not report it.)
 *
 * @module
 */
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { parseJsonl, readText, str, take, taskDir } from "./_files.ts";
import { badRecord, chooseSplit, type ReadOptions, type Task } from "./task.ts";

/** Items from the text of WinoGrande's `dev.jsonl`. */
export function parseWinogrande(text: string, where = "winogrande"): McItem[] {
  return parseJsonl(text, where).map((d, i) => {
    const at = `${where}, line ${i + 1}`;
    const sentence = str(d, "sentence", at);
    const blank = sentence.indexOf("_");
    if (blank < 0) throw badRecord(at, `the sentence has no "_" blank`);
    const answer = str(d, "answer", at);
    if (answer !== "1" && answer !== "2") throw badRecord(at, `answer "${answer}" should be "1" or "2"`);
    const before = sentence.slice(0, blank);
    const target = sentence.slice(blank + 1).trim();
    return {
      context: [before + str(d, "option1", at), before + str(d, "option2", at)],
      choices: [target, target],
      gold: answer === "1" ? 0 : 1,
      id: typeof d.qID === "string" ? d.qID : undefined,
    };
  });
}

export const winogrande: Task = {
  name: "winogrande",
  folder: "winogrande",
  scoring: "multiple_choice",
  summary: "WinoGrande 1.1 dev (1,267 × 2), partial scoring",
  source: "lm_eval/tasks/winogrande/default.yaml + preprocess_winogrande.py",
  deviations: [
    "lm-eval reports no acc_norm here (its completion_len would count the two contexts, doc_to_choice); ours divides by the shared continuation, so acc_norm equals acc",
  ],
  splits: ["validation"],
  maxShots: 0,
  read(dir: string, opts: ReadOptions = {}): McItem[] {
    chooseSplit(winogrande, opts.split);
    const p = join(taskDir(dir, "winogrande", "dev.jsonl"), "dev.jsonl");
    return take(parseWinogrande(readText(p), `"${p}"`), opts.limit);
  },
};
