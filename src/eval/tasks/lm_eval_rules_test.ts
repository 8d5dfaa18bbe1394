/**
 * Every task reader against the rule it follows, written here a second time from
 * lm-evaluation-harness's task files and independently of the readers: the task YAML
 * (`doc_to_text`, `doc_to_choice`, `doc_to_target`, `process_docs`), its `utils.py`, and
 * `ConfigurableTask.construct_requests` / `process_results` in `lm_eval/api/task.py`. For the
 * first real items of testdata/eval, the (context, continuation) strings lm-eval sends, the
 * lengths its acc_norm divides by (`completion_len = [len(c) for c in doc_to_choice(doc)]`) and
 * the gold index must equal what our reader sends. Paths and commits of those files:
 * docs/evaluation.md, "Where each rule comes from".
 *
 * The raw records are mapped to the documents lm-eval reads (its Hugging Face datasets) in the
 * plainest way; RACE and MCTest use the synthetic files of testdata/eval only (their licences
 * keep the real data in ../shared).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "../../testing/harness.ts";
import { charLength, type McItem, requestsOf, type TextRequest } from "../multiple_choice.ts";
import { parseCsv } from "./_files.ts";
import { findTask } from "./mod.ts";

const FIX = "testdata/eval";
/** What lm-eval would do with one document. */
interface Expected {
  requests: TextRequest[];
  /** `completion_len`, or null where lm-eval reports no acc_norm (see the WinoGrande test). */
  lengths: number[] | null;
  gold: number;
}

// ---- lm_eval/api/task.py, ConfigurableTask (target_delimiter " ", fewshot_delimiter "\n\n") ----

const TARGET_DELIMITER = " ";
/** Python's `len`: code points. */
const pyLen = (s: string) => [...s].length;

/** `construct_requests`, output_type multiple_choice: `[(ctx, f"{target_delimiter}{cont}") for cont in choices]`. */
function multipleChoice(ctx: string, choices: string[], gold: number): Expected {
  return {
    requests: choices.map((c) => ({ context: ctx, continuation: `${TARGET_DELIMITER}${c}` })),
    lengths: choices.map(pyLen),
    gold,
  };
}

/**
 * `construct_requests` with multiple inputs (`doc_to_text` gives the gold index, the choices are
 * contexts): `[(ctx + choice, f"{target_delimiter}{cont}") for choice in choices]`.
 */
function multipleInput(ctx: string, choices: string[], cont: string, gold: number): Expected {
  return {
    requests: choices.map((c) => ({ context: ctx + c, continuation: `${TARGET_DELIMITER}${cont}` })),
    lengths: choices.map(pyLen),
    gold,
  };
}

/** `construct_requests`, output_type loglikelihood: `(ctx, doc_to_target(doc))`, no delimiter added. */
function loglikelihood(ctx: string, target: string): Expected {
  return { requests: [{ context: ctx, continuation: target }], lengths: [pyLen(target.slice(1))], gold: 0 };
}

/** Our reader's items against lm-eval's, item by item. */
function assertSame(task: string, ours: McItem[], theirs: Expected[]): void {
  assert.ok(theirs.length >= 2, `${task}: compare at least two items`);
  for (const [i, want] of theirs.entries()) {
    const got = ours[i];
    assert.deepEqual(requestsOf(got), want.requests, `${task} item ${i}: (context, continuation)`);
    if (want.lengths) assert.deepEqual(got.choices.map(charLength), want.lengths, `${task} item ${i}: lengths`);
    assert.equal(got.gold, want.gold, `${task} item ${i}: gold`);
  }
}

/** A raw record, as lm-eval's Python reads it: any field, any type. */
// deno-lint-ignore no-explicit-any
type Doc = Record<string, any>;
const text = (path: string) => readFileSync(`${FIX}/${path}`, "utf8");
const jsonl = (path: string): Doc[] => text(path).split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
const ours = (task: string, opts = {}) => findTask(task).read(`${FIX}/${findTask(task).folder}`, opts);

// ---- the tasks -------------------------------------------------------------------------------

test("arc_easy, arc_challenge: arc_easy.yaml (Question: {{question}}\\nAnswer:, choices.text, label.index)", () => {
  for (const [task, file] of [["arc_easy", "ARC-Easy"], ["arc_challenge", "ARC-Challenge"]]) {
    const docs = jsonl(`arc/${file}/${file}-Test.jsonl`).map((r) => ({ // AI2 JSONL → HF ai2_arc
      question: r.question.stem as string,
      choices: {
        text: r.question.choices.map((c: { text: string }) => c.text) as string[],
        label: r.question.choices.map((c: { label: string }) => c.label) as string[],
      },
      answerKey: r.answerKey as string,
    }));
    assertSame(
      task,
      ours(task),
      docs.map((d) =>
        multipleChoice(`Question: ${d.question}\nAnswer:`, d.choices.text, d.choices.label.indexOf(d.answerKey))
      ),
    );
  }
});

test("blimp: _template_yaml (doc_to_text empty, [sentence_good, sentence_bad], target 0)", () => {
  const docs = jsonl("blimp/data/adjunct_island.jsonl");
  assertSame("blimp", ours("blimp"), docs.map((d) => multipleChoice("", [d.sentence_good, d.sentence_bad], 0)));
});

test("boolq: super_glue/boolq/default.yaml ({{passage}}\\nQuestion: {{question}}?\\nAnswer:, no/yes)", () => {
  const docs = jsonl("boolq/val.jsonl").map((r): Doc => ({ ...r, label: r.label ? 1 : 0 })); // SuperGLUE true/false → 1/0
  assertSame(
    "boolq",
    ours("boolq"),
    docs.map((d) => multipleChoice(`${d.passage}\nQuestion: ${d.question}?\nAnswer:`, ["no", "yes"], d.label)),
  );
});

test("copa: super_glue/copa/utils.py (doc_to_choice is ' ' + convert_choice, then the delimiter again)", () => {
  const convertChoice = (c: string) => c[0].toLowerCase() + c.slice(1);
  const docToText = (d: Record<string, string>) =>
    d.premise.trim().slice(0, -1) + ` ${{ cause: "because", effect: "therefore" }[d.question]}`;
  const docToChoice = (d: Record<string, string>) => [" " + convertChoice(d.choice1), " " + convertChoice(d.choice2)];
  const docs = jsonl("copa/val.jsonl");
  const want = docs.map((d) => multipleChoice(docToText(d), docToChoice(d), d.label));
  assertSame("copa", ours("copa"), want);
  assert.deepEqual(want[0].requests[0], {
    context: "The man turned on the faucet therefore",
    continuation: "  the toilet filled with water.",
  });
  assert.deepEqual(want[0].lengths, [30, 29]);
  assert.ok(want.some((w) => w.requests[0].context.endsWith(" because")), "a cause item is compared too");
});

test("hellaswag: hellaswag.yaml + utils.py process_docs (preprocess, ctx_b.capitalize())", () => {
  // HF Rowan/hellaswag validation rows 0-4 (ActivityNet): the fields lm-eval reads. The shared
  // llama.cpp layout keeps only `activity_label: ctx_a ctx_b`, checked against them below.
  const docs = [
    { activity_label: "Roof shingle removal", ctx_a: "A man is sitting on a roof.", ctx_b: "he" },
    {
      activity_label: "Clean and jerk",
      ctx_a: "A lady walks to a barbell. She bends down and grabs the pole.",
      ctx_b: "the lady",
    },
    {
      activity_label: "Canoeing",
      ctx_a:
        "Two women in a child are shown in a canoe while a man pulls the canoe while standing in the water, with other individuals visible in the background.",
      ctx_b: "the child and a different man",
    },
    { activity_label: "High jump", ctx_a: "A boy is running down a track.", ctx_b: "the boy" },
    {
      activity_label: "High jump",
      ctx_a: "The boy lifts his body above the height of a pole. The boy lands on his back on to a red mat.",
      ctx_b: "the boy",
    },
  ];
  const lines = text("hellaswag/hellaswag_val_full.txt").split("\n");
  const preprocess = (t: string) => t.trim().replaceAll(" [title]", ". ").replace(/\[.*?\]/g, "").replaceAll("  ", " ");
  const capitalize = (s: string) => s.slice(0, 1).toUpperCase() + s.slice(1).toLowerCase(); // Python str.capitalize
  const want = docs.map((d, i) => {
    assert.equal(lines[6 * i], `${d.activity_label}: ${d.ctx_a} ${d.ctx_b}`, `the layout's line of item ${i}`);
    const endings = lines.slice(6 * i + 2, 6 * i + 6);
    const query = preprocess(d.activity_label + ": " + d.ctx_a + " " + capitalize(d.ctx_b));
    return multipleChoice(query, endings.map(preprocess), Number(lines[6 * i + 1]));
  });
  assertSame("hellaswag", ours("hellaswag"), want);
});

test("lambada: lambada_openai.yaml (text.split(' ')[:-1] joined, ' ' + last word; output_type loglikelihood)", () => {
  // MosaicML's layout holds the text split at its last space: text = context + " " + continuation
  const docs = jsonl("lambada/lambada_openai.jsonl").map((r) => ({ text: `${r.context} ${r.continuation}` }));
  const want = docs.map((d) => {
    const words = d.text.split(" ");
    return loglikelihood(words.slice(0, -1).join(" "), " " + words[words.length - 1]);
  });
  assertSame("lambada", ours("lambada"), want);
  assert.equal(want[4].requests[0].continuation, " of\n\nPower", "the 'word' keeps its newlines");
});

test("mmlu: _default_template_yaml + mmlu_<subject>.yaml description, first_n few-shot from dev", () => {
  const docs = (path: string) =>
    parseCsv(text(path), path).map((r) => ({ question: r[0], choices: r.slice(1, 5), answer: "ABCD".indexOf(r[5]) }));
  type Doc = ReturnType<typeof docs>[number];
  const docToText = (d: Doc) =>
    `${d.question.trim()}\nA. ${d.choices[0]}\nB. ${d.choices[1]}\nC. ${d.choices[2]}\nD. ${d.choices[3]}\nAnswer:`;
  const letters = ["A", "B", "C", "D"];
  const description: Record<string, string> = { // the "description" of mmlu_<subject>.yaml, verbatim
    abstract_algebra: "The following are multiple choice questions (with answers) about abstract algebra.\n\n",
    high_school_geography:
      "The following are multiple choice questions (with answers) about high school geography.\n\n",
  };
  for (const shots of [0, 2]) {
    const want: Expected[] = [];
    for (const subject of ["abstract_algebra", "high_school_geography"]) {
      // fewshot_context: description + sampler.get_context (first_n) + doc_to_text(doc), where
      // get_context = "\n\n".join(doc_to_text(s) + target_delimiter + choices[target]) + "\n\n"
      const examples = docs(`mmlu/data/dev/${subject}_dev.csv`).slice(0, shots);
      const fewshot = shots === 0 ? "" : examples.map((s) => docToText(s) + TARGET_DELIMITER + letters[s.answer])
        .join("\n\n") + "\n\n";
      for (const d of docs(`mmlu/data/test/${subject}_test.csv`)) {
        want.push(multipleChoice(description[subject] + fewshot + docToText(d), letters, d.answer));
      }
    }
    assertSame(`mmlu (${shots}-shot)`, ours("mmlu", { shots }), want);
  }
});

test("piqa: piqa.yaml (Question: {{goal}}\\nAnswer:, [sol1, sol2], label)", () => {
  const labels = text("piqa/valid-labels.lst").split("\n").filter((l) => l !== "").map(Number);
  const docs = jsonl("piqa/valid.jsonl").map((r, i): Doc => ({ ...r, label: labels[i] }));
  assertSame(
    "piqa",
    ours("piqa"),
    docs.map((d) => multipleChoice(`Question: ${d.goal}\nAnswer:`, [d.sol1, d.sol2], d.label)),
  );
});

test("race: race.yaml + preprocess_race.py on documents of EleutherAI/race's shape (synthetic file)", () => {
  // EleutherAI/race has one document per article with its problems; the HF file has one row per
  // question. Build the documents, then apply preprocess_race.py.
  const rows = jsonl("race/test/middle.jsonl");
  const docs: { article: string; problems: { question: string; options: string[]; answer: string }[] }[] = [];
  for (const r of rows) {
    const doc = docs.find((d) => d.article === r.article);
    if (doc) doc.problems.push(r as never);
    else docs.push({ article: r.article, problems: [r as never] });
  }
  const answerOption = (p: { options: string[]; answer: string }) => p.options["ABCD".indexOf(p.answer)];
  const want = docs.map((d) => {
    let t = "Article: " + d.article + "\n\n";
    for (const p of d.problems.slice(0, -1)) {
      if (p.question.slice(-6) === "  _  .") t += p.question.slice(-5) + answerOption(p) + "\n";
      else t += "Question: " + p.question + "\n" + "Answer: " + answerOption(p) + "\n";
    }
    const last = d.problems[d.problems.length - 1];
    t += last.question;
    return multipleChoice(t, last.options.slice(0, 4), "ABCD".indexOf(last.answer));
  });
  assertSame("race", ours("race"), want);
});

test("winogrande: default.yaml + preprocess_winogrande.py (multiple inputs: the options go into the context)", () => {
  const docs = jsonl("winogrande/dev.jsonl");
  const want = docs.map((d) => {
    const idx = d.sentence.indexOf("_");
    const docToChoice = [d.sentence.slice(0, idx) + d.option1, d.sentence.slice(0, idx) + d.option2];
    const docToTarget = d.sentence.slice(idx + 1).trim();
    const docToText = { "1": 0, "2": 1 }[d.answer as string]!; // the gold index
    return { ...multipleInput("", docToChoice, docToTarget, docToText), lengths: null };
  });
  // lm-eval's completion_len counts the two contexts here, but it reports no acc_norm for
  // WinoGrande; ours divides by the shared continuation (a task deviation, listed in the report).
  assertSame("winogrande", ours("winogrande"), want);
  assert.ok(findTask("winogrande").deviations.some((d) => d.includes("acc_norm")));
});

// ---- not lm-eval tasks: the rule docs/evaluation.md states ------------------------------------

test("zorro: scored by BLiMP's rule (empty context, [good, bad], gold 0); bad line first in the file", () => {
  const lines = text("zorro/sentences/babyberta/agreement_determiner_noun-across_1_adjective.txt").split("\n");
  const pairs = [0, 2].map((i) => ({ bad: lines[i], good: lines[i + 1] }));
  assertSame("zorro", ours("zorro"), pairs.map((p) => multipleChoice("", [p.good, p.bad], 0)));
});

test("mctest: {story}\\n\\nQuestion: {question}\\nAnswer: with the 'one: '/'multiple: ' prefix dropped (synthetic file)", () => {
  const [line] = text("mctest/mc160.test.tsv").split(/\r?\n/); // MCTest's files end lines with CRLF
  const [answers] = text("mctest/mc160.test.ans").split(/\r?\n/);
  const f = line.split("\t").map((x) => x.replaceAll("\\newline", "\n").replaceAll("\\tab", "\t"));
  const want = [0, 1, 2, 3].map((q) => {
    const question = f[3 + 5 * q].replace(/^(one|multiple): /, "");
    const gold = "ABCD".indexOf(answers.split("\t")[q].trim());
    return multipleChoice(`${f[2]}\n\nQuestion: ${question}\nAnswer:`, f.slice(4 + 5 * q, 8 + 5 * q), gold);
  });
  assertSame("mctest", ours("mctest"), want);
});

test("race_all: every question of the synthetic RACE file after Article: …\\n\\nQuestion: …\\nAnswer:", () => {
  const want = jsonl("race/test/middle.jsonl").map((r) =>
    multipleChoice(`Article: ${r.article}\n\nQuestion: ${r.question}\nAnswer:`, r.options, "ABCD".indexOf(r.answer))
  );
  assertSame("race_all", ours("race_all"), want);
});
