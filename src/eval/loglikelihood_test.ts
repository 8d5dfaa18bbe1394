/**
 * The batched path (shared context run once, each choice continued from a copy of its state)
 * against the plain computation: forward(context ++ continuation) from scratch, every row's
 * logits, summed log-probabilities. On a Llama model (KV cache) and RWKV models (recurrent
 * state), with real HellaSwag items, one of them longer than babyllama105's 256-token context.
 */
import assert from "node:assert/strict";
import { readRawConfig } from "../io/config_json.ts";
import { loadTokenizer } from "../io/tokenizer/mod.ts";
import { forward } from "../models/forward.ts";
import { loadModel } from "../models/load.ts";
import type { CausalLM } from "../models/model.ts";
import { assertAllClose } from "../testing/assert.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { contextOf, DELIMITER } from "./multiple_choice.ts";
import { contextLimit, encodePair, loglikelihoods, type TokenRequest } from "./loglikelihood.ts";
import { logProb } from "./perplexity.ts";
import { findTask } from "./tasks/mod.ts";

/** The oracle: lm-eval's cut, one full forward, logits of every row. */
async function plainLoglikelihood(model: CausalLM<Float32Array>, req: TokenRequest): Promise<number> {
  let full = [...req.context, ...req.continuation];
  const limit = contextLimit(model);
  if (full.length > limit + 1) full = full.slice(full.length - (limit + 1));
  const input = Int32Array.from(full.slice(0, -1));
  const { logits } = await forward(model, input);
  const V = model.info.vocabSize;
  let ll = 0;
  for (let j = 0; j < req.continuation.length; j++) {
    const row = input.length - req.continuation.length + j;
    ll += logProb(logits!, row, V, full[row + 1]);
  }
  return ll;
}

const hellaswag = findTask("hellaswag").read("testdata/eval/hellaswag");

for (
  const [name, picks] of [
    ["bytellama-12L", [3]],
    ["babyllama105", [6]], // 265 + 106..193 tokens: cut to 256, a different cut per choice
    ["stories260K", [1]],
    ["tiny-rwkv-5v2-730K", [0]],
    ["tiny-rwkv-7v0-834K", [3]],
  ] as const
) {
  test(`${name}: the batched log-likelihoods equal scoring context + continuation from scratch (1e-5)`, async () => {
    const dir = modelDir(name);
    const model = loadModel(dir);
    const tok = loadTokenizer(dir, readRawConfig(dir));
    for (const k of picks) {
      const item = name === "babyllama105" ? { ...hellaswag[k], choices: hellaswag[k].choices.slice(2) } : hellaswag[k];
      const reqs = item.choices.map((c, i) => encodePair(tok, contextOf(item, i), DELIMITER + c));
      const batched = await loglikelihoods(model, reqs);
      const plain = [];
      for (const r of reqs) plain.push(await plainLoglikelihood(model, r));
      assertAllClose(batched.map((r) => r.ll), plain, { atol: 1e-5, label: `${name} item ${k} ll` });
      if (name === "babyllama105") assert.ok(batched.every((r) => r.truncated > 0), "the long item is cut");
    }
  });
}
