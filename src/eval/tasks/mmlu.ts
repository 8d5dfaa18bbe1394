/**
 * MMLU in the authors' CSV layout (`data/{dev,test}/<subject>_{dev,test}.csv`, no header:
 * `question,A,B,C,D,answer`).
 *
 * Prompt as lm-eval's `lm_eval/tasks/mmlu/default/_default_template_yaml` with the per-subject
 * `description` of `mmlu_<subject>.yaml`:
 *
 *     The following are multiple choice questions (with answers) about <subject words>.\n\n
 *     [K examples: <q>\nA. <a>\nB. <b>\nC. <c>\nD. <d>\nAnswer: <letter>\n\n]
 *     <question.strip()>\nA. <a>\nB. <b>\nC. <c>\nD. <d>\nAnswer:
 *
 * choices `["A", "B", "C", "D"]` scored as `" A"` … `" D"`; the K examples are the first K rows
 * of the subject's dev file (`fewshot_config: sampler: first_n`), joined by `"\n\n"`. Items
 * come subject by subject (alphabetical), rows in file order; `--limit N` takes the first N of
 * each subject, as lm-eval's `--limit` does per subtask. Accuracy is micro (over all items) with
 * per-subject accuracy beside it.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { parseCsv, readText, take, taskDir } from "./_files.ts";
import { badRecord, chooseSplit, type ReadOptions, type Task } from "./task.ts";

/** One MMLU row. */
export interface MmluRow {
  question: string;
  choices: [string, string, string, string];
  /** 0..3 */
  answer: number;
}

const LETTERS = ["A", "B", "C", "D"];

/** Rows of one MMLU CSV text. */
export function parseMmluCsv(text: string, where = "mmlu"): MmluRow[] {
  return parseCsv(text, where).map((r, i) => {
    const at = `${where}, row ${i + 1}`;
    if (r.length !== 6) throw badRecord(at, `${r.length} fields; expected 6 (question, A, B, C, D, answer)`);
    const answer = LETTERS.indexOf(r[5].trim());
    if (answer < 0) throw badRecord(at, `answer "${r[5]}" should be A, B, C or D`);
    return { question: r[0], choices: [r[1], r[2], r[3], r[4]], answer };
  });
}

/** lm-eval's `doc_to_text`. */
export function mmluQuestion(row: MmluRow): string {
  const [a, b, c, d] = row.choices;
  return `${row.question.trim()}\nA. ${a}\nB. ${b}\nC. ${c}\nD. ${d}\nAnswer:`;
}

/** The prompt prefix: description plus `shots` solved examples. */
export function mmluPrefix(subject: string, shots: readonly MmluRow[]): string {
  const description = `The following are multiple choice questions (with answers) about ${
    subject.split("_").join(" ")
  }.\n\n`;
  return description + shots.map((s) => `${mmluQuestion(s)} ${LETTERS[s.answer]}\n\n`).join("");
}

/** Items of one subject. */
export function mmluItems(subject: string, rows: readonly MmluRow[], shots: readonly MmluRow[]): McItem[] {
  const prefix = mmluPrefix(subject, shots);
  return rows.map((r) => ({
    context: prefix + mmluQuestion(r),
    choices: [...LETTERS],
    gold: r.answer,
    group: subject,
  }));
}

export const mmlu: Task = {
  name: "mmlu",
  folder: "mmlu",
  scoring: "multiple_choice",
  summary: "MMLU test, 57 subjects, letter choices; --shots K from dev (K ≤ 5); --limit is per subject",
  source: "lm_eval/tasks/mmlu/default/_default_template_yaml + mmlu_<subject>.yaml",
  deviations: [
    "The shared copy is the authors' Sep-2020 commit (14,079 test rows; lm-eval's cais/mmlu has 14,042): lm-eval's prompt rule on slightly different data",
  ],
  splits: ["test"],
  maxShots: 5,
  read(dir: string, opts: ReadOptions = {}): McItem[] {
    chooseSplit(mmlu, opts.split);
    const root = join(taskDir(dir, "mmlu", "data/test"), "data");
    const files = readdirSync(join(root, "test")).filter((f) => f.endsWith("_test.csv")).sort();
    if (files.length === 0) throw badRecord(join(root, "test"), "holds no <subject>_test.csv files");
    const items: McItem[] = [];
    for (const f of files) {
      const subject = f.slice(0, -"_test.csv".length);
      const testPath = join(root, "test", f);
      const rows = take(parseMmluCsv(readText(testPath), `"${testPath}"`), opts.limit);
      let shots: MmluRow[] = [];
      if ((opts.shots ?? 0) > 0) {
        const devPath = join(root, "dev", `${subject}_dev.csv`);
        const dev = parseMmluCsv(readText(devPath), `"${devPath}"`);
        if (dev.length < opts.shots!) {
          throw badRecord(`"${devPath}"`, `has ${dev.length} rows, fewer than --shots ${opts.shots}`);
        }
        shots = dev.slice(0, opts.shots);
      }
      items.push(...mmluItems(subject, rows, shots));
    }
    return items;
  },
};
