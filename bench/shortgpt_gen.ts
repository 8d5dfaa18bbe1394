/**
 * ShortGPT-gen measured (docs/shortgpt_gen.md): prefill speed and generation quality with the
 * k lowest-Block-Influence layers skipped during prefill, keys cached with or without RoPE,
 * against the dense model and the model with those layers removed. No asserts.
 *
 *     deno run -A bench/shortgpt_gen.ts [--model DIR] [--text F] [--prompts N] [--prompt-len P]
 *         [--ref-len R] [--gen-len G] [--k 1,2,3,4]
 *
 * Prompts: N consecutive slices of P tokens from the text after the calibration part (the
 * first 8 windows of 256 tokens give the BI order); each is followed by its real next R tokens.
 * Reported per condition:
 * - prefill CPU ms: the CPU time (user + system, one matmul thread) to prefill every prompt,
 *   the least of 5 interleaved rounds: CPU time rather than wall time, so that other processes
 *   on the machine do not count;
 * - NLL/token of the real continuation, teacher-forced: the first token from the prefill's
 *   logits, the rest decoded through every layer (removed: through the pruned model);
 * - agree: share of the G greedy tokens equal to the dense model's, position by position,
 *   and the mean number of tokens before the first difference.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { setThreads } from "../src/backend/cpu.ts";
import { makeWindows } from "../src/calibration.ts";
import { generate } from "../src/eval/generate.ts";
import { headRows } from "../src/eval/head_rows.ts";
import { logProb } from "../src/eval/perplexity.ts";
import { type GenKeys, prefillSkipping } from "../src/eval/shortgpt_gen.ts";
import { computeImportance, parseMetric } from "../src/importance/mod.ts";
import { readRawConfig } from "../src/io/config_json.ts";
import { loadTokenizer } from "../src/io/tokenizer/mod.ts";
import { forward } from "../src/models/forward.ts";
import { loadModel } from "../src/models/load.ts";
import { type CausalLM, newRun, type Run } from "../src/models/model.ts";
import { withoutLayers } from "../src/prune/remove_layers.ts";
import { flag } from "./_machine.ts";

const modelDir = flag("model", "testdata/models/bytellama-12L");
const textPath = flag("text", "testdata/texts/tinystories_heldout.txt");
const nPrompts = Number(flag("prompts", "8"));
const P = Number(flag("prompt-len", "192"));
const R = Number(flag("ref-len", "48"));
const G = Number(flag("gen-len", "48"));
const ks = flag("k", "1,2,3,4").split(",").map(Number);

const model = loadModel(modelDir);
const tok = loadTokenizer(modelDir, readRawConfig(modelDir));
const ids = tok.encode(readFileSync(textPath, "utf8"));
const calib = makeWindows([ids.slice(0, 8 * 256)], 256);
const order = (await computeImportance(model, calib, parseMetric("bi"))).order;
const rest = ids.slice(8 * 256);
const prompts: { prompt: number[]; ref: number[] }[] = [];
for (let i = 0; i < nPrompts; i++) {
  const at = i * (P + R);
  if (at + P + R > rest.length) break;
  prompts.push({ prompt: rest.slice(at, at + P), ref: rest.slice(at + P, at + P + R) });
}

type Prefill = (m: CausalLM<Float32Array>, x: Int32Array, run: Run<Float32Array>) => Promise<Float32Array>;
const densePrefill: Prefill = async (m, x, run) =>
  (await forward(m, x, { run, keepState: true, hiddenOnly: true })).last;
const genPrefill = (skip: number[], keys: GenKeys): Prefill => (m, x, run) => prefillSkipping(m, x, run, skip, keys);

/** Teacher-forced NLL of `ref` after `prompt`: prefill, then the reference through every layer of `m`. */
async function refNll(m: CausalLM<Float32Array>, prefill: Prefill, prompt: number[], ref: number[]): Promise<number> {
  const run = newRun<Float32Array>();
  const last = await prefill(m, Int32Array.from(prompt), run);
  const V = m.info.vocabSize;
  let nll = -logProb(await headRows(m, last, prompt.length - 1, prompt.length), 0, V, ref[0]);
  const { logits } = await forward(m, Int32Array.from(ref.slice(0, -1)), { run });
  for (let j = 1; j < ref.length; j++) nll -= logProb(logits!, j - 1, V, ref[j]);
  return nll;
}

/** CPU milliseconds to prefill every prompt once. */
async function prefillMs(m: CausalLM<Float32Array>, prefill: Prefill): Promise<number> {
  const t = process.cpuUsage();
  for (const { prompt } of prompts) await prefill(m, Int32Array.from(prompt), newRun());
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

const denseTokens: number[][] = [];
for (const { prompt } of prompts) denseTokens.push((await generate(model, prompt, { maxTokens: G, stopIds: [] })).ids);

interface Row {
  condition: string;
  k: number;
  prefillMs: number;
  nll: number;
  agree: number;
  firstDiff: number;
}
const rows: Row[] = [];
const timed: { row: Row; m: CausalLM<Float32Array>; prefill: Prefill }[] = [];
async function measure(condition: string, k: number, m: CausalLM<Float32Array>, prefill: Prefill): Promise<void> {
  let nll = 0, same = 0, firstDiff = 0;
  for (const [i, { prompt, ref }] of prompts.entries()) {
    nll += await refNll(m, prefill, prompt, ref);
    const out = (await generate(m, prompt, { maxTokens: G, stopIds: [], prefill: (x, run) => prefill(m, x, run) })).ids;
    let d = out.findIndex((t, j) => t !== denseTokens[i][j]);
    if (d < 0) d = G;
    firstDiff += d;
    same += out.filter((t, j) => t === denseTokens[i][j]).length;
  }
  const n = prompts.length;
  const row = {
    condition,
    k,
    prefillMs: Infinity,
    nll: nll / (n * R),
    agree: same / (n * G),
    firstDiff: firstDiff / n,
  };
  rows.push(row);
  timed.push({ row, m, prefill });
  console.error(`${condition} k=${k} done`);
}

await measure("dense", 0, model, densePrefill);
for (const k of ks) {
  const skip = order.slice(0, k);
  await measure(`removed ${skip.join(",")}`, k, withoutLayers(model, skip), densePrefill);
  await measure("gen, keys rope", k, model, genPrefill(skip, "rope"));
  await measure("gen, keys norope", k, model, genPrefill(skip, "norope"));
}

setThreads(1);
for (let round = 0; round < 5; round++) {
  for (const t of timed) t.row.prefillMs = Math.min(t.row.prefillMs, await prefillMs(t.m, t.prefill));
}
const dense = rows[0];
console.log(
  `BI order (8 windows of 256 tokens): ${order.join(", ")}; ${prompts.length} prompts of ${P} tokens, ` +
    `reference ${R} tokens, ${G} greedy tokens; ${modelDir}; prefill = CPU ms for all prompts, one thread, least of 5 rounds\n`,
);
console.log(
  "| k | condition | prefill CPU ms | speed-up | NLL/token of the real continuation | greedy tokens = dense | tokens before first difference |",
);
console.log("|---:|---|---:|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(
    `| ${r.k} | ${r.condition} | ${r.prefillMs.toFixed(0)} | ${(dense.prefillMs / r.prefillMs).toFixed(2)}× | ` +
      `${r.nll.toFixed(4)} | ${(100 * r.agree).toFixed(1)}% | ${r.firstDiff.toFixed(1)} |`,
  );
}
