/**
 * ARC-Easy and ARC-Challenge in AI2's JSONL layout.
 *
 * Prompt as lm-eval's `lm_eval/tasks/arc/arc_easy.yaml` (`arc_challenge.yaml` includes it):
 * `"Question: {question}\nAnswer:"`, choices = the choice texts, gold =
 * `choices.label.index(answerKey)` (labels are A-E or 1-5: matched, never by position).
 * lm-eval evaluates the Test split; Dev is offered as `--split dev`.
 *
 * @module
 */
import { join } from "node:path";
import type { McItem } from "../multiple_choice.ts";
import { parseJsonl, readText, take, taskDir } from "./_files.ts";
import { badRecord, chooseSplit, type ReadOptions, type Task } from "./task.ts";

interface ArcDoc {
  id?: string;
  question?: { stem?: string; choices?: { text?: string; label?: string }[] };
  answerKey?: string;
}

/** Items from the text of an ARC JSONL file. */
export function parseArc(text: string, where = "arc"): McItem[] {
  return parseJsonl<ArcDoc>(text, where).map((d, i) => {
    const at = `${where}, line ${i + 1}`;
    const q = d.question;
    if (typeof q?.stem !== "string" || !Array.isArray(q.choices)) {
      throw badRecord(at, "expected question.stem and question.choices");
    }
    const texts = q.choices.map((c) => c.text);
    const labels = q.choices.map((c) => c.label);
    if (texts.some((t) => typeof t !== "string")) throw badRecord(at, "a choice has no text");
    const gold = labels.indexOf(d.answerKey);
    if (gold < 0) throw badRecord(at, `answerKey "${d.answerKey}" is not one of the labels ${labels.join(", ")}`);
    return { context: `Question: ${q.stem}\nAnswer:`, choices: texts as string[], gold, id: d.id };
  });
}

function arcTask(name: string, folder: string, title: string): Task {
  const task: Task = {
    name,
    folder: "arc",
    scoring: "multiple_choice",
    summary: `${title} (Test; --split dev for Dev)`,
    source: "lm_eval/tasks/arc/arc_easy.yaml (arc_challenge.yaml includes it)",
    deviations: [],
    splits: ["test", "dev"],
    maxShots: 0,
    read(dir: string, opts: ReadOptions = {}): McItem[] {
      const split = chooseSplit(task, opts.split);
      const file = `${folder}/${folder}-${split === "test" ? "Test" : "Dev"}.jsonl`;
      const p = join(taskDir(dir, "arc", folder), file);
      return take(parseArc(readText(p), `"${p}"`), opts.limit);
    },
  };
  return task;
}

export const arcEasy: Task = arcTask("arc_easy", "ARC-Easy", "ARC-Easy");
export const arcChallenge: Task = arcTask("arc_challenge", "ARC-Challenge", "ARC-Challenge");
