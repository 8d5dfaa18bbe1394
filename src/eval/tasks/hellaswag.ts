/**
 * HellaSwag in llama.cpp's 6-lines-per-item layout (`../shared/data/hellaswag/`):
 * `activity_label: ctx`, the gold index, then the 4 endings.
 *
 * Prompt as lm-eval's `lm_eval/tasks/hellaswag/hellaswag.yaml` with `utils.py`:
 * `query = preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize())`, choices =
 * `preprocess(ending)`, each scored as `" " + ending`; acc_norm is the reported metric.
 *
 * The layout keeps `ctx_a + " " + ctx_b` joined and not capitalized, so the capitalization is
 * restored here: when the context does not end a sentence, its trailing fragment (after the last
 * ". ", "? " or "! ") is `ctx_b`; when it starts with a lower-case letter it gets Python's
 * `capitalize()` (first letter upper-cased, the rest lower-cased). That is exact for the
 * ActivityNet items (whose `ctx_b` is that lower-case fragment) and leaves WikiHow items (empty
 * `ctx_b`) unchanged; a handful of items whose `ctx_b` starts with a quote or a digit differ.
 * `preprocess` is applied again: the extractor removed only the `[header]`/`[step]`/`[title]`
 * markers, while lm-eval removes every `[...]` (18 lines of the validation set have one).
 *
 * @module
 */
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { lines, readText, take, taskDir } from "./_files.ts";
import { badRecord, chooseSplit, type ReadOptions, type Task } from "./task.ts";

/** lm-eval's `preprocess` (hellaswag/utils.py). */
export function preprocess(text: string): string {
  let t = text.trim();
  t = t.replaceAll(" [title]", ". ");
  t = t.replace(/\[.*?\]/g, "");
  t = t.replaceAll("  ", " ");
  return t;
}

/**
 * Python's `str.capitalize()`, applied to the unfinished trailing fragment (`ctx_b`, see the
 * module doc) when it starts with a lower-case letter: the first character upper-cased, the
 * rest lower-cased (`"the man named John"` → `"The man named john"`, as lm-eval scores it).
 */
export function capitalizeCtxB(line: string): string {
  if (/[.?!"']\s*$/.test(line)) return line; // ends a sentence: ctx_b is empty
  const cut = Math.max(line.lastIndexOf(". "), line.lastIndexOf("? "), line.lastIndexOf("! "));
  if (cut < 0) return line;
  const at = cut + 2;
  const c = line[at];
  if (c === undefined || c === c.toUpperCase()) return line;
  return line.slice(0, at) + c.toUpperCase() + line.slice(at + 1).toLowerCase();
}

/** Parses the 6-line layout; `where` names the source in errors. */
export function parseHellaswag(text: string, where = "hellaswag"): McItem[] {
  const ls = lines(text);
  if (ls.length % 6 !== 0) {
    throw badRecord(where, `${ls.length} lines is not a multiple of 6 (context, label, 4 endings)`);
  }
  const items: McItem[] = [];
  for (let i = 0; i < ls.length; i += 6) {
    const gold = Number(ls[i + 1]);
    if (!/^[0-3]$/.test(ls[i + 1].trim())) {
      throw badRecord(`${where}, line ${i + 2}`, `label "${ls[i + 1]}" should be 0-3`);
    }
    items.push({
      context: preprocess(capitalizeCtxB(ls[i])),
      choices: ls.slice(i + 2, i + 6).map(preprocess),
      gold,
    });
  }
  return items;
}

export const hellaswag: Task = {
  name: "hellaswag",
  folder: "hellaswag",
  scoring: "multiple_choice",
  summary: "HellaSwag validation (10,042 × 4 endings); report acc_norm",
  source: "lm_eval/tasks/hellaswag/hellaswag.yaml + utils.py",
  deviations: [
    "The shared data is llama.cpp's 6-line layout, which joins ctx_a + \" \" + ctx_b without lm-eval's ctx_b.capitalize(); the reader restores the capital from the text (exact for the ActivityNet items, about 10 items whose ctx_b starts with a quote or a digit may differ)",
  ],
  splits: ["validation"],
  maxShots: 0,
  read(dir: string, opts: ReadOptions = {}): McItem[] {
    chooseSplit(hellaswag, opts.split);
    const path = join(taskDir(dir, "hellaswag", "hellaswag_val_full.txt"), "hellaswag_val_full.txt");
    return take(parseHellaswag(readText(path), `"${path}"`), opts.limit);
  },
};
