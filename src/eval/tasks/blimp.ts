/**
 * BLiMP minimal pairs (`data/<paradigm>.jsonl`: sentence_good, sentence_bad, UID, ...).
 *
 * As lm-eval's `lm_eval/tasks/blimp/_template_yaml`: empty context, choices
 * `[sentence_good, sentence_bad]` (each scored as `" " + sentence`), gold 0; acc = the good
 * sentence is more likely. An empty context reads BOS first where the tokenizer has one (see
 * `encodePair`); acc per paradigm (`UID`) comes with the overall mean.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { parseJsonl, readText, str, take, taskDir } from "./_files.ts";
import { badRecord, chooseSplit, type ReadOptions, type Task } from "./task.ts";

/** Items from the text of one BLiMP paradigm file. */
export function parseBlimp(text: string, where = "blimp"): McItem[] {
  return parseJsonl(text, where).map((d, i) => {
    const at = `${where}, line ${i + 1}`;
    return {
      context: "",
      choices: [str(d, "sentence_good", at), str(d, "sentence_bad", at)],
      gold: 0,
      group: str(d, "UID", at),
      id: String(d.pairID ?? i),
    };
  });
}

export const blimp: Task = {
  name: "blimp",
  folder: "blimp",
  scoring: "multiple_choice",
  summary: "BLiMP minimal pairs, 67 paradigms (whole-sentence log-likelihood); --limit is per paradigm",
  source: "lm_eval/tasks/blimp/_template_yaml",
  deviations: [
    "The shared copy holds the first 100 pairs of each paradigm (BLiMP has 1,000)",
  ],
  splits: ["train"],
  maxShots: 0,
  read(dir: string, opts: ReadOptions = {}): McItem[] {
    chooseSplit(blimp, opts.split);
    const d = join(taskDir(dir, "blimp", "data"), "data");
    const files = readdirSync(d).filter((f) => f.endsWith(".jsonl")).sort();
    if (files.length === 0) throw badRecord(d, "holds no .jsonl paradigm files");
    return files.flatMap((f) => take(parseBlimp(readText(join(d, f)), `"${join(d, f)}"`), opts.limit));
  },
};
