/**
 * The scoring rule (docs/evaluation.md "The scoring rule") on hand-computed cases: a stub bigram model whose next-token
 * probabilities are fixed fractions, and a character tokenizer, so every log-likelihood is a sum
 * of logs we can write down.
 */
import assert from "node:assert/strict";
import { cpu } from "../backend/cpu.ts";
import { UserError } from "../errors.ts";
import type { Tokenizer } from "../io/tokenizer/mod.ts";
import type { CausalLM } from "../models/model.ts";
import { test } from "../testing/harness.ts";
import { encodePair, loglikelihoods, moveTrailingSpace } from "./loglikelihood.ts";
import {
  argmax,
  charLength,
  evaluateGreedy,
  evaluateMultipleChoice,
  meanStderr,
  scoreItem,
  summarize,
} from "./multiple_choice.ts";

// ids: 0 = BOS, 1 = " ", 2 = "a", 3 = "b", 4 = "c"
const CHARS = ["<s>", " ", "a", "b", "c"];
const V = CHARS.length;
/** P[cur][next], rows sum to 1 (sixteenths, so the logs are exact sums of log 2). */
const P = [
  [1, 3, 4, 4, 4],
  [1, 1, 8, 4, 2],
  [1, 8, 1, 4, 2],
  [1, 4, 4, 1, 6],
  [2, 2, 4, 4, 4],
].map((row) => row.map((n) => n / 16));
const lp = (cur: number, next: number) => Math.log(P[cur][next]);

/** A character tokenizer over CHARS; BOS/EOS as given. */
function charTokenizer(bosId: number | null, eosId: number | null = null): Tokenizer {
  return {
    kind: "bytes",
    vocabSize: V,
    bosId,
    eosId,
    encode(text, opts) {
      const ids = [...text].map((c) => {
        const i = CHARS.indexOf(c);
        if (i < 1) throw new Error(`no id for ${JSON.stringify(c)}`);
        return i;
      });
      return (opts?.bos ?? true) && bosId !== null ? [bosId, ...ids] : ids;
    },
    decode: (ids) => ids.map((i) => CHARS[i]).join(""),
  };
}

/** A model with no blocks whose logits at t are log P[ids[t]] (it remembers what it was fed). */
function bigramModel(maxPositions = 64): CausalLM<Float32Array> & { fed: number[][] } {
  const fed: number[][] = [];
  return {
    fed,
    info: {
      family: "llama",
      hiddenSize: V,
      vocabSize: V,
      maxPositions,
      bosTokenId: 0,
      eosTokenId: null,
      eosTokenIds: [],
    },
    ops: cpu,
    dir: "(stub)",
    blocks: [],
    embed(ids) {
      fed.push([...ids]);
      const x = new Float32Array(ids.length * V); // one-hot [T,V]
      ids.forEach((id, t) => (x[t * V + id] = 1));
      return x;
    },
    finalNorm: (x) => x,
    head(x, T) {
      const out = new Float32Array(T * V);
      for (let t = 0; t < T; t++) {
        const cur = x.subarray(t * V, (t + 1) * V).indexOf(1);
        for (let v = 0; v < V; v++) out[t * V + v] = Math.log(P[cur][v]);
      }
      return out;
    },
  };
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

test("scoreItem(): a two-choice item with known log-likelihoods; acc and acc_norm disagree as computed by hand", async () => {
  const model = bigramModel();
  const s = await scoreItem(model, charTokenizer(null), { context: "a", choices: ["b", "ac"], gold: 1 }, 0);
  // " b"  = log P(" "|a) + log P(b|" ")               = log(1/2 · 1/4)      = log 1/8
  // " ac" = log P(" "|a) + log P(a|" ") + log P(c|a)  = log(1/2 · 1/2 · 1/8) = log 1/32
  close(s.loglikelihoods[0], Math.log(1 / 8), "ll of ' b'");
  close(s.loglikelihoods[1], Math.log(1 / 32), "ll of ' ac'");
  assert.deepEqual(s.lengths, [1, 2], "lengths count the choice without the delimiter, as lm-eval's len(choice)");
  assert.equal(s.pred, 0); // −2.08 > −3.47
  assert.equal(s.pred_norm, 1); // −2.08 / 1 < −3.47 / 2 = −1.73
  const r = summarize("stub", [s]);
  assert.equal(r.acc, 0);
  assert.equal(r.acc_norm, 1);
});

test("scoreItem(): BOS is read once, in front of the context", async () => {
  const model = bigramModel();
  const s = await scoreItem(model, charTokenizer(0), { context: "a", choices: ["b"], gold: 0 }, 0);
  close(s.loglikelihoods[0], lp(2, 1) + lp(1, 3), "ll");
  assert.deepEqual(model.fed, [[0, 2, 1]], "BOS a ' ' (the last continuation id is only predicted)");
});

test("scoreItem(): ties go to the lower choice index", async () => {
  const s = await scoreItem(bigramModel(), charTokenizer(null), { context: "a", choices: ["b", "b", "c"], gold: 2 }, 0);
  assert.equal(s.loglikelihoods[0], s.loglikelihoods[1]);
  assert.equal(s.pred, 0);
  assert.equal(s.pred_norm, 0);
  assert.equal(argmax([1, 3, 3, 2]), 1);
});

test("encodePair(): trailing spaces of the context move to the front of the continuation", async () => {
  assert.deepEqual(moveTrailingSpace("Answer: ", "yes"), ["Answer:", " yes"]);
  assert.deepEqual(moveTrailingSpace("a\n \n", " b"), ["a", "\n \n b"]);
  const tok = charTokenizer(null);
  assert.deepEqual(encodePair(tok, "a ", " b"), { context: [2], continuation: [1, 1, 3] });
  const [r] = await loglikelihoods(bigramModel(), [encodePair(tok, "a ", " b")]);
  close(r.ll, lp(2, 1) + lp(1, 1) + lp(1, 3), "ll of '  b' after 'a'");
});

test("encodePair(): an empty context reads BOS, else EOS, else the first continuation id", () => {
  assert.deepEqual(encodePair(charTokenizer(0), "", " ab"), { context: [0], continuation: [1, 2, 3] });
  assert.deepEqual(encodePair(charTokenizer(null, 4), "", " ab"), { context: [4], continuation: [1, 2, 3] });
  assert.deepEqual(encodePair(charTokenizer(null), "", " ab"), {
    context: [1],
    continuation: [2, 3],
    firstIdAsContext: true, // lm-eval has no rule here: reported as a deviation
  });
  assert.throws(() => encodePair(charTokenizer(null), "", " "), UserError);
});

test("encodePair({ bos: false }) is older lm-eval's HF default: no BOS, but an empty context still reads it", () => {
  assert.deepEqual(encodePair(charTokenizer(0), "a", " b", { bos: false }), { context: [2], continuation: [1, 3] });
  assert.deepEqual(encodePair(charTokenizer(0), "", " ab", { bos: false }), { context: [0], continuation: [1, 2, 3] });
});

test("a context longer than the model is cut from the left, as lm-eval does", async () => {
  const model = bigramModel(4);
  const req = encodePair(charTokenizer(0), "abcab", " c"); // ids: 0 2 3 4 2 3 | 1 4
  const [r] = await loglikelihoods(model, [req]);
  // lm-eval: (ctx + cont)[-(max + 1):][:-1] = [4 2 3 1]
  assert.deepEqual(model.fed, [[4, 2, 3, 1]]);
  assert.equal(r.truncated, 3);
  close(r.ll, lp(3, 1) + lp(1, 4), "ll");
});

test("a continuation longer than the model is scored in windows of max/2 tokens, each after the tokens before it", async () => {
  const model = bigramModel(4);
  const req = encodePair(charTokenizer(0), "a", " abcab"); // ids: 0 2 | 1 2 3 4 2 3
  const [r] = await loglikelihoods(model, [req]);
  assert.deepEqual(
    model.fed,
    [[0, 2, 1], [2, 1, 2, 3], [2, 3, 4, 2]],
    "chunks of 2 targets, 2+ tokens of context each",
  );
  close(r.ll, lp(2, 1) + lp(1, 2) + lp(2, 3) + lp(3, 4) + lp(4, 2) + lp(2, 3), "ll");
  assert.equal(r.tokens, 6);
});

test("choices sharing a context run it once and give the same scores as one by one", async () => {
  const model = bigramModel();
  const tok = charTokenizer(0);
  const item = { context: "abcab", choices: ["c", "ab", "abc"], gold: 0 };
  const shared = await scoreItem(model, tok, item, 0);
  assert.deepEqual(model.fed[0], [0, 2, 3, 4, 2, 3, 1], "the common prefix (through ' ') once");
  const alone = await scoreItem(bigramModel(), tok, item, 0, { sharePrefix: false });
  assert.deepEqual(shared.loglikelihoods, alone.loglikelihoods);
  close(shared.loglikelihoods[2], lp(3, 1) + lp(1, 2) + lp(2, 3) + lp(3, 4), "ll of ' abc'");
});

test("meanStderr() is lm-eval's sample std / sqrt(n); summarize() reports acc, acc_norm and per-group accuracy", () => {
  close(meanStderr([1, 0, 1, 1]), 0.25, "stderr"); // sample std 0.5, over sqrt(4)
  assert.ok(Number.isNaN(meanStderr([1])));
  const item = (pred: number, pred_norm: number, group: string) => ({
    index: 0,
    gold: 0,
    loglikelihoods: [0, 0],
    lengths: [1, 1],
    pred,
    pred_norm,
    group,
  });
  const r = summarize("t", [item(0, 1, "x"), item(1, 0, "x"), item(0, 0, "y"), item(0, 0, "y")]);
  assert.equal(r.acc, 0.75);
  assert.equal(r.acc_norm, 0.75);
  close(r.acc_stderr, 0.25, "acc_stderr");
  assert.deepEqual(r.groups, { x: { n: 2, acc: 0.5, acc_norm: 0.5 }, y: { n: 2, acc: 1, acc_norm: 1 } });
});

test("charLength() counts code points as Python's len does", () => {
  assert.equal(charLength("héllo"), 5);
  assert.equal(charLength("a😀b"), 3);
});

test("evaluateGreedy(): acc is lm-eval's is_greedy, ppl is exp(−mean ll)", async () => {
  // after "a": " " is the arg-max (8/16); after " ": "a" is (8/16); after "b": "c" is (6/16)
  const items = [
    { context: "b", choices: ["a"], gold: 0 }, // " " after b: 4/16, not the arg-max (c: 6/16)
    { context: "ab", choices: ["c"], gold: 0 }, // " " after b: no
    { context: "a", choices: ["a"], gold: 0 }, // " " after a, then a after " ": both arg-max
  ];
  const r = await evaluateGreedy(bigramModel(), charTokenizer(null), "cloze", items);
  assert.deepEqual(r.items.map((s) => s.is_greedy![0]), [false, false, true]);
  assert.equal(r.acc, 1 / 3);
  assert.equal(r.acc_norm, null);
  const lls = [lp(3, 1) + lp(1, 2), lp(3, 1) + lp(1, 4), lp(2, 1) + lp(1, 2)];
  close(r.ppl!, Math.exp(-(lls[0] + lls[1] + lls[2]) / 3), "ppl");
});

test("evaluateMultipleChoice(): per-choice contexts (partial scoring) score the same continuation", async () => {
  const item = { context: ["ab", "ac"], choices: ["b", "b"], gold: 1 };
  const r = await evaluateMultipleChoice(bigramModel(), charTokenizer(null), "wino", [item]);
  close(r.items[0].loglikelihoods[0], lp(3, 1) + lp(1, 3), "after 'ab'");
  close(r.items[0].loglikelihoods[1], lp(4, 1) + lp(1, 3), "after 'ac'");
  assert.equal(r.items[0].pred, 0); // P(" "|b) = 4/16 > P(" "|c) = 2/16
});
