/**
 * RACE in the Hugging Face layout (one row per question: example_id, article, question,
 * options, answer). RACE is for non-commercial research only: none of it is copied into this
 * repository; the tests use a synthetic file in the same layout.
 *
 * `race` follows lm-eval's `lm_eval/tasks/race/race.yaml` with `preprocess_race.py`, which
 * reads one document per *article* (EleutherAI/race) and scores only its last question: rows
 * are grouped by `example_id` (in file order), and the context is
 *
 *     "Article: " + article + "\n\n"
 *     + for each earlier question: "Question: " + q + "\n" + "Answer: " + its answer text + "\n"
 *       (a cloze question ending in "  _  ." instead adds q[-5:] + answer text + "\n")
 *     + the last question, as it is
 *
 * with the last question's 4 options scored as `" " + option`; acc. RACE-M test gives 362
 * items. `race_all` scores every question instead (1,436 for RACE-M), with the prompt
 * `"Article: " + article + "\n\nQuestion: " + question + "\nAnswer:"`.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { parseJsonl, readText, str, take, taskDir } from "./_files.ts";
import { badRecord, type ReadOptions, type Task } from "./task.ts";

/** One RACE question row. */
export interface RaceRow {
  example_id: string;
  article: string;
  question: string;
  options: string[];
  /** 0..3 */
  answer: number;
}

const LETTERS = ["A", "B", "C", "D"];

/** Rows from the text of a RACE JSONL file. */
export function parseRaceRows(text: string, where = "race"): RaceRow[] {
  return parseJsonl(text, where).map((d, i) => {
    const at = `${where}, line ${i + 1}`;
    const options = d.options;
    if (!Array.isArray(options) || options.length !== 4 || options.some((o) => typeof o !== "string")) {
      throw badRecord(at, "options should be 4 strings");
    }
    const answer = LETTERS.indexOf(str(d, "answer", at));
    if (answer < 0) throw badRecord(at, `answer "${d.answer}" should be A-D`);
    return {
      example_id: str(d, "example_id", at),
      article: str(d, "article", at),
      question: str(d, "question", at),
      options: options as string[],
      answer,
    };
  });
}

/** lm-eval's per-article items (see the module doc). */
export function raceArticleItems(rows: readonly RaceRow[]): McItem[] {
  const byArticle = new Map<string, RaceRow[]>();
  for (const r of rows) {
    const list = byArticle.get(r.example_id);
    if (list) list.push(r);
    else byArticle.set(r.example_id, [r]);
  }
  return [...byArticle.entries()].map(([id, problems]) => {
    let text = "Article: " + problems[0].article + "\n\n";
    for (const p of problems.slice(0, -1)) {
      const answer = p.options[p.answer];
      if (p.question.slice(-6) === "  _  .") text += p.question.slice(-5) + answer + "\n";
      else text += "Question: " + p.question + "\n" + "Answer: " + answer + "\n";
    }
    const last = problems[problems.length - 1];
    text += last.question;
    return { context: text, choices: [...last.options], gold: last.answer, id };
  });
}

/** One item per question (`race_all`). */
export function raceQuestionItems(rows: readonly RaceRow[]): McItem[] {
  return rows.map((r) => ({
    context: `Article: ${r.article}\n\nQuestion: ${r.question}\nAnswer:`,
    choices: [...r.options],
    gold: r.answer,
    id: r.example_id,
  }));
}

function raceFile(dir: string, split: string): string {
  const d = taskDir(dir, "race", "test");
  const p = join(d, "test", `${split}.jsonl`);
  if (!existsSync(p)) throw badRecord(d, `has no test/${split}.jsonl`);
  return p;
}

function raceTask(name: string, perQuestion: boolean): Task {
  const task: Task = {
    name,
    folder: "race",
    scoring: "multiple_choice",
    summary: perQuestion
      ? "RACE (test/middle.jsonl by default), every question"
      : "RACE as lm-eval scores it: the last question of each article, earlier ones answered in the context",
    source: "lm_eval/tasks/race/race.yaml + preprocess_race.py" + (perQuestion ? " (per question)" : ""),
    deviations: perQuestion
      ? [
        'Not an lm-eval task: every question scored on its own, after "Article: {article}\\n\\nQuestion: {question}\\nAnswer:"',
      ]
      : [
        "lm-eval reads EleutherAI/race, one document per article; the shared copy has one row per question, grouped here by example_id (in file order) to rebuild those documents",
      ],
    splits: ["middle", "high"],
    maxShots: 0,
    read(dir: string, opts: ReadOptions = {}): McItem[] {
      const split = opts.split ?? "middle";
      if (!task.splits.includes(split)) {
        throw badRecord(`Task "${name}"`, `has no split "${split}"; choose middle or high`);
      }
      const p = raceFile(dir, split);
      const rows = parseRaceRows(readText(p), `"${p}"`);
      return take(perQuestion ? raceQuestionItems(rows) : raceArticleItems(rows), opts.limit);
    },
  };
  return task;
}

export const race: Task = raceTask("race", false);
export const raceAll: Task = raceTask("race_all", true);
