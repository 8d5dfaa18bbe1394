/**
 * LAMBADA (OpenAI variant) test, in MosaicML's layout (`{"context", "continuation"}`, the
 * original text being `context + " " + continuation`).
 *
 * As lm-eval's `lm_eval/tasks/lambada/lambada_openai.yaml` (`output_type: loglikelihood`):
 * context = the text without its last word, target = `" " + last word`; acc = the target is
 * the greedy continuation (`is_greedy`: the arg-max token at each of its positions), and
 * perplexity = exp(−mean log-likelihood of the target). The "word" is lm-eval's `text.split(" ")[-1]`,
 * which for 7 passages holds a newline (e.g. `"the\ngloves"`); it is kept as it is.
 *
 * @module
 */
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { parseJsonl, readText, str, take, taskDir } from "./_files.ts";
import { chooseSplit, type ReadOptions, type Task } from "./task.ts";

/** Items (one choice each: the last word) from the text of `lambada_openai.jsonl`. */
export function parseLambada(text: string, where = "lambada"): McItem[] {
  return parseJsonl(text, where).map((d, i) => {
    const at = `${where}, line ${i + 1}`;
    return { context: str(d, "context", at), choices: [str(d, "continuation", at)], gold: 0 };
  });
}

export const lambada: Task = {
  name: "lambada",
  folder: "lambada",
  scoring: "greedy",
  summary: "LAMBADA (OpenAI) test, 5,153 passages: last-word greedy accuracy and perplexity",
  source: "lm_eval/tasks/lambada/lambada_openai.yaml",
  deviations: [],
  splits: ["test"],
  maxShots: 0,
  read(dir: string, opts: ReadOptions = {}): McItem[] {
    chooseSplit(lambada, opts.split);
    const p = join(taskDir(dir, "lambada", "lambada_openai.jsonl"), "lambada_openai.jsonl");
    return take(parseLambada(readText(p), `"${p}"`), opts.limit);
  },
};
