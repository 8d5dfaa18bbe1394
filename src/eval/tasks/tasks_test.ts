/**
 * The task readers on real records (testdata/eval, copied from ../shared/data with their
 * provenance) and, for RACE and MCTest whose licences keep them out of the repository, on
 * synthetic files in the same layout plus the real files when ../shared/data is there.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { UserError } from "../../errors.ts";
import { test } from "../../testing/harness.ts";
import { parseCsv } from "./_files.ts";
import { capitalizeCtxB, preprocess } from "./hellaswag.ts";
import { findTask, TASKS } from "./mod.ts";

const FIX = "testdata/eval";
const SHARED = "../shared/data";
const noShared = existsSync(SHARED)
  ? undefined
  : `${SHARED} is not here (the real RACE/MCTest/full files live only there)`;

const read = (task: string, opts = {}) => findTask(task).read(`${FIX}/${findTask(task).folder}`, opts);

test("hellaswag: contexts are preprocessed as lm-eval does, with ctx_b capitalized", () => {
  const items = read("hellaswag");
  assert.equal(items.length, 7);
  assert.deepEqual(items[0], {
    context: "Roof shingle removal: A man is sitting on a roof. He",
    choices: [
      "is using wrap to wrap a pair of skis.",
      "is ripping level tiles off.",
      "is holding a rubik's cube.",
      "starts pulling up roofing on a roof.",
    ],
    gold: 3,
  });
  assert.equal(
    items[1].context,
    "Clean and jerk: A lady walks to a barbell. She bends down and grabs the pole. The lady",
  );
  // lm-eval removes every [...]: "like [www.kiddio.org] to" → "like to"
  assert.ok((items[5].context as string).includes("Visit a site like to find loads"), items[5].context as string);
  assert.ok((items[6].context as string).includes("A can provide short straight hair"), items[6].context as string);
  assert.deepEqual(items.map((i) => i.gold), [3, 3, 2, 2, 1, 1, 3]);
});

test("hellaswag: preprocess() and capitalizeCtxB() on edge cases", () => {
  // as lm-eval: strip first, then remove brackets, so a leading "[header]" leaves its space
  assert.equal(preprocess(" [header] How to x [title] Do y. [step] Go. "), " How to x. Do y. Go.");
  assert.equal(capitalizeCtxB("A: One. Two ends here."), "A: One. Two ends here.");
  assert.equal(capitalizeCtxB("A: One. two men"), "A: One. Two men");
  // Python's str.capitalize() lower-cases the rest of ctx_b
  assert.equal(capitalizeCtxB("A: One. the man named John"), "A: One. The man named john");
  assert.equal(capitalizeCtxB("A: One. 3 men"), "A: One. 3 men");
});

test("piqa: Question/Answer prompt, two solutions, labels from valid-labels.lst", () => {
  const items = read("piqa");
  assert.equal(items.length, 8);
  assert.equal(items[0].context, "Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:");
  assert.equal(items[0].choices.length, 2);
  assert.ok(
    items[0].choices[0].startsWith(
      "Provide the guinea pig with a cage full of a few inches of bedding made of ripped paper",
    ),
  );
  assert.deepEqual(items.map((i) => i.gold), [0, 1, 1, 1, 0, 1, 1, 0]);
});

test("arc: gold found by label (letters, digits, 3 and 5 choices), test and dev splits", () => {
  const e = read("arc_easy");
  assert.equal(e.length, 5);
  assert.equal(
    e[0].context,
    "Question: Which statement best explains why photosynthesis is the foundation of most food webs?\nAnswer:",
  );
  assert.equal(e[0].choices[0], "Sunlight is the source of energy for nearly all ecosystems.");
  assert.equal(e[0].gold, 0);
  assert.equal(read("arc_easy", { split: "dev" }).length, 3);
  const c = read("arc_challenge");
  assert.equal(c.length, 7);
  assert.deepEqual(c.slice(4).map((i) => i.choices.length), [4, 3, 5]);
  for (const item of c) assert.ok(item.gold >= 0 && item.gold < item.choices.length);
  assert.throws(() => read("arc_easy", { split: "train" }), UserError);
});

test("boolq: passage, question with '?', choices no/yes", () => {
  const items = read("boolq");
  assert.equal(items.length, 5);
  assert.ok((items[0].context as string).startsWith("Ethanol fuel -- All biomass goes through"));
  assert.ok(
    (items[0].context as string).endsWith("\nQuestion: does ethanol take more energy make that produces?\nAnswer:"),
  );
  assert.deepEqual(items[0].choices, ["no", "yes"]);
  assert.equal(items[0].gold, 0);
});

test("winogrande: partial scoring, one context per option and the text after the blank", () => {
  const [a, b] = read("winogrande");
  assert.deepEqual(a.context, [
    "Sarah was a much better surgeon than Maria so Sarah",
    "Sarah was a much better surgeon than Maria so Maria",
  ]);
  assert.deepEqual(a.choices, ["always got the easier cases.", "always got the easier cases."]);
  assert.equal(a.gold, 1);
  assert.equal(b.gold, 0);
});

test('copa: connector because/therefore, period dropped, choices " " + first letter lower-cased', () => {
  const items = read("copa");
  assert.equal(items.length, 100);
  assert.deepEqual(items[0], {
    context: "The man turned on the faucet therefore",
    choices: [" the toilet filled with water.", " water flowed from the spout."],
    gold: 1,
    id: "0",
  });
  const cause = items.find((i) => (i.context as string).endsWith(" because"))!;
  assert.ok(cause, "some item asks for a cause");
  assert.equal(items.filter((i) => i.gold === 0).length, 55);
});

test("mmlu: description, k-shot from dev, letter choices; --limit per subject", () => {
  const zero = read("mmlu");
  assert.equal(zero.length, 7);
  assert.deepEqual(zero.map((i) => i.group), [
    ...Array(4).fill("abstract_algebra"),
    ...Array(3).fill("high_school_geography"),
  ]);
  assert.equal(
    zero[0].context,
    "The following are multiple choice questions (with answers) about abstract algebra.\n\n" +
      "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\nA. 0\nB. 4\nC. 2\nD. 6\nAnswer:",
  );
  assert.deepEqual(zero[0].choices, ["A", "B", "C", "D"]);
  assert.equal(zero[0].gold, 1);
  // quoted CSV fields with commas stay one field
  assert.ok((zero[3].context as string).includes("\nA. True, True\nB. False, False\n"));
  const two = read("mmlu", { shots: 2 });
  const ctx = two[0].context as string;
  assert.ok(
    ctx.startsWith(
      "The following are multiple choice questions (with answers) about abstract algebra.\n\nFind all c in Z_3",
    ),
  );
  assert.equal(ctx.split("\nAnswer:").length - 1, 3, "two solved examples and the question");
  assert.ok(ctx.includes("\nD. 3\nAnswer: B\n\nStatement 1 | If aH is an element"), ctx);
  assert.deepEqual(read("mmlu", { limit: 1 }).map((i) => i.group), ["abstract_algebra", "high_school_geography"]);
});

test("parseCsv(): quotes, doubled quotes, commas and newlines inside fields, CRLF", () => {
  assert.deepEqual(parseCsv('a,"b, c","say ""hi""",\r\n"multi\nline",x\n', "t"), [["a", "b, c", 'say "hi"', ""], [
    "multi\nline",
    "x",
  ]]);
  assert.throws(() => parseCsv('"open', "t"), UserError);
});

test("lambada: context and the last word (kept whole, newline and all)", () => {
  const items = read("lambada");
  assert.equal(items.length, 5);
  assert.deepEqual(items[0].choices, ["signs"]);
  assert.ok((items[0].context as string).endsWith("I don't care about"));
  assert.deepEqual(items[4].choices, ["of\n\nPower"]);
  assert.equal(findTask("lambada").scoring, "greedy");
});

test("blimp and zorro: empty context, [good, bad], gold 0, grouped by paradigm", () => {
  const b = read("blimp");
  assert.equal(b.length, 6);
  assert.deepEqual(b[0], {
    context: "",
    choices: ["Who should Derek hug after shocking Richard?", "Who should Derek hug Richard after shocking?"],
    gold: 0,
    group: "adjunct_island",
    id: "0",
  });
  assert.equal(b[3].group, "determiner_noun_agreement_1");
  const z = read("zorro");
  assert.equal(z.length, 4);
  assert.deepEqual(z[0], {
    context: "",
    choices: ["look at this purple thing .", "look at this purple things ."],
    gold: 0,
    group: "agreement_determiner_noun-across_1_adjective",
  });
  assert.deepEqual(read("zorro", { limit: 1 }).map((i) => i.group), [
    "agreement_determiner_noun-across_1_adjective",
    "agreement_subject_verb-in_simple_question",
  ]);
});

test("mctest (synthetic file in MCTest's layout): escapes, prefixes, answers", () => {
  const items = read("mctest");
  assert.equal(items.length, 8);
  assert.deepEqual(items[0], {
    context:
      "Tom had a red ball.\nHe gave it to his sister Ann.\n\nAnn was happy.\n\nQuestion: What color was the ball?\nAnswer:",
    choices: ["red", "blue", "green", "yellow"],
    gold: 0,
    group: "mc160",
    id: "mc160.test.0.q1",
  });
  assert.ok((items[2].context as string).endsWith("Question: How did Ann feel after she got the ball?\nAnswer:"));
  assert.ok((items[4].context as string).startsWith("A little bird sat in a tree.\tIt sang"));
  assert.deepEqual(items.map((i) => i.gold), [0, 1, 2, 1, 0, 2, 1, 3]);
});

test("race (synthetic file in the HF layout): lm-eval's per-article prompt and race_all", () => {
  const items = read("race");
  assert.equal(items.length, 2);
  assert.equal(
    items[0].context,
    "Article: Sam lives in a small town. Every day he walks to school with his dog.\n\n" +
      "Question: Where does Sam live?\nAnswer: In a small town.\n" +
      " _  .on foot\n" + // lm-eval's cloze branch: question[-5:] + answer
      "Who walks with Sam?",
  );
  assert.deepEqual(items[0].choices, ["His dog.", "His cat.", "His father.", "Nobody."]);
  assert.equal(items[0].gold, 0);
  assert.equal(items[1].context, "Article: The library opens at nine.\n\nWhen does the library open?");
  const all = read("race_all");
  assert.equal(all.length, 4);
  assert.equal(
    all[1].context,
    "Article: Sam lives in a small town. Every day he walks to school with his dog.\n\nQuestion: Sam goes to school  _  .\nAnswer:",
  );
  assert.equal(all[1].gold, 2);
});

test("every task reads the real shared data with the expected counts", () => {
  const expected: Record<string, number> = {
    hellaswag: 10042,
    piqa: 1838,
    arc_easy: 2376,
    arc_challenge: 1172,
    boolq: 3270,
    winogrande: 1267,
    copa: 100,
    mmlu: 14079,
    lambada: 5153,
    blimp: 6700,
    zorro: 11500,
    mctest: 840,
    race: 362,
    race_all: 1436,
  };
  for (const t of TASKS) {
    const items = t.read(SHARED, { shots: t.maxShots });
    assert.equal(items.length, expected[t.name], t.name);
    for (const it of items) {
      assert.ok(Number.isInteger(it.gold) && it.gold >= 0 && it.gold < it.choices.length, `${t.name}: gold ${it.gold}`);
    }
  }
  assert.equal(findTask("mctest").read(SHARED, { split: "dev" }).length, 320);
}, { skip: noShared });

test("an unknown task, a missing folder and a bad record are user errors that say what to do", () => {
  assert.throws(() => findTask("hellaswagg"), /Unknown task "hellaswagg"; tasks: hellaswag, piqa/);
  assert.throws(() => findTask("copa").read("testdata/nowhere"), /Data folder "testdata\/nowhere" does not exist/);
  assert.throws(() => findTask("copa").read("testdata/eval/piqa"), /Cannot find "val.jsonl"/);
});
