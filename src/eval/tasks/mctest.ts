/**
 * MCTest (MC160 + MC500) in Microsoft's TSV/ANS layout: one story per line, 23 tab-separated
 * fields (id, properties, story, then 4 × (question, A, B, C, D)), answers in the `.ans` file.
 * `\newline` and `\tab` inside fields stand for a newline and a tab.
 *
 * Not an lm-eval task. Prompt in lm-eval's reading-comprehension style (as its SciQ/RACE
 * row prompts): `story + "\n\nQuestion: " + question + "\nAnswer:"`, the 4 answers scored as
 * `" " + answer`, with the `one: ` / `multiple: ` prefix removed from the question; acc and
 * acc_norm. `--split test` (default) reads mc160.test + mc500.test (840 questions), `dev`
 * mc160.dev + mc500.dev (320); a single file by name, e.g. `mc500.dev`.
 *
 * The data is under the MSR-LA licence (keep LICENSE.pdf beside it): none of it is copied into
 * this repository; the tests use a synthetic file in the same layout.
 *
 * @module
 */
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { lines, readText, take, taskDir } from "./_files.ts";
import { badRecord, chooseSplit, type ReadOptions, type Task } from "./task.ts";

const LETTERS = ["A", "B", "C", "D"];

/** Undoes MCTest's escapes. */
export function unescapeMctest(s: string): string {
  return s.replaceAll("\\newline", "\n").replaceAll("\\tab", "\t");
}

/** Items from the text of a `.tsv` file and its `.ans` file; `group` names the set (mc160, mc500). */
export function parseMctest(tsv: string, ans: string, group: string, where = "mctest"): McItem[] {
  const stories = lines(tsv);
  const answers = lines(ans);
  if (stories.length !== answers.length) {
    throw badRecord(where, `${stories.length} stories but ${answers.length} answer lines`);
  }
  const items: McItem[] = [];
  stories.forEach((line, s) => {
    const at = `${where}, line ${s + 1}`;
    const f = line.split("\t").map(unescapeMctest);
    if (f.length !== 23) throw badRecord(at, `${f.length} tab-separated fields; expected 23`);
    const keys = answers[s].split("\t").map((a) => a.trim());
    if (keys.length !== 4) throw badRecord(`${where} answers, line ${s + 1}`, `${keys.length} answers; expected 4`);
    for (let q = 0; q < 4; q++) {
      const base = 3 + 5 * q;
      const question = f[base].replace(/^(one|multiple):\s*/, "");
      const gold = LETTERS.indexOf(keys[q]);
      if (gold < 0) throw badRecord(`${where} answers, line ${s + 1}`, `answer "${keys[q]}" should be A-D`);
      items.push({
        context: `${f[2]}\n\nQuestion: ${question}\nAnswer:`,
        choices: f.slice(base + 1, base + 5),
        gold,
        group,
        id: `${f[0]}.q${q + 1}`,
      });
    }
  });
  return items;
}

const FILES: Record<string, string[]> = {
  test: ["mc160.test", "mc500.test"],
  dev: ["mc160.dev", "mc500.dev"],
  "mc160.test": ["mc160.test"],
  "mc500.test": ["mc500.test"],
  "mc160.dev": ["mc160.dev"],
  "mc500.dev": ["mc500.dev"],
};

export const mctest: Task = {
  name: "mctest",
  folder: "mctest",
  scoring: "multiple_choice",
  summary: "MCTest children's stories, 4-way reading comprehension (test: 840 questions)",
  source: "not in lm-eval; lm-eval's reading-comprehension prompt style",
  deviations: [
    "Not an lm-eval task: the prompt follows lm-eval's reading-comprehension style ({story}\\n\\nQuestion: {question}\\nAnswer:)",
  ],
  splits: Object.keys(FILES),
  maxShots: 0,
  read(dir: string, opts: ReadOptions = {}): McItem[] {
    const split = chooseSplit(mctest, opts.split);
    const d = taskDir(dir, "mctest", `${FILES[split][0]}.tsv`);
    const items = FILES[split].flatMap((name) => {
      const p = join(d, `${name}.tsv`);
      return parseMctest(readText(p), readText(join(d, `${name}.ans`)), name.split(".")[0], `"${p}"`);
    });
    return take(items, opts.limit);
  },
};
