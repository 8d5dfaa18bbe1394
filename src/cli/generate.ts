/** `shortgpt generate <model> --prompt S`: text generation with a key/value cache. @module */
import { UserError } from "../errors.ts";
import { generate } from "../eval/generate.ts";
import { type GenKeys, prefillSkipping } from "../eval/shortgpt_gen.ts";
import { readRawConfig } from "../io/config_json.ts";
import { loadTokenizer, type Tokenizer } from "../io/tokenizer/mod.ts";
import type { Run } from "../models/model.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, num, str } from "./args.ts";
import { loadForCli } from "./backend.ts";
import { requireModel } from "./common.ts";
import { parseLayerList } from "./inputs.ts";
import { note, out, refuseInsideModel, writeFileAtomic } from "./output.ts";

export const spec: CommandSpec = {
  name: "generate",
  summary: "generate text with a key/value cache (greedy by default); ShortGPT-gen prefill with --prefill-skip",
  usage:
    "shortgpt generate <model> --prompt S [--max-tokens N] [--temperature T] [--top-p P] [--seed S] [--prefill-skip LIST [--gen-keys rope|norope]] [--json F]",
  description: `
The prompt (with BOS where the tokenizer adds one) runs once, filling every layer's key/value
cache (RWKV: its recurrent state); then each new token runs alone. Greedy (arg-max) unless
--temperature is above 0, then tokens are drawn from softmax(logits / T), within the top-p
nucleus, by a seeded generator (mulberry32): the same seed gives the same text. Stops at EOS
(and, for llama2.c tokenizers, at BOS, which separates stories there, as run.c does), after
--max-tokens, or when the model's context is full.

ShortGPT-gen (ACL 2025): --prefill-skip 4,3,7 skips those layers while the prompt runs
(h_{l+1} = h_l) but still fills their key/value cache from W_k·LN(h_l) and W_v·LN(h_l); every
layer runs while decoding. --gen-keys rope (default) rotates those keys by RoPE like every other
cached key; norope caches them unrotated, as the released code does. See docs/shortgpt_gen.md.`,
  positionals: ["model"],
  flags: {
    prompt: { type: "string", arg: "S", help: "the text to continue" },
    "max-tokens": { type: "int", arg: "N", default: 64, help: "new tokens at most" },
    temperature: { type: "number", arg: "T", default: 0, help: "0 = greedy; above 0 samples from softmax(logits / T)" },
    "top-p": {
      type: "number",
      arg: "P",
      default: 1,
      help: "nucleus sampling: keep the most likely tokens up to mass P",
    },
    seed: { type: "int", arg: "S", default: 0, help: "seed of the sampling generator" },
    "no-cache": { type: "boolean", help: "recompute the whole sequence for every token (slow; for checking)" },
    "prefill-skip": { type: "string", arg: "LIST", help: "ShortGPT-gen: layers to skip during prefill, e.g. 4,3,7" },
    "gen-keys": {
      type: "string",
      arg: "K",
      choices: ["rope", "norope"],
      default: "rope",
      help: "keys of skipped layers: rotated (rope) or not",
    },
    json: {
      type: "string",
      arg: "F",
      help: "write {model, prompt, prompt_ids, ids, text, stop, settings, timings_ms} as JSON (- for stdout)",
    },
  },
  examples: [
    'shortgpt generate testdata/models/bytellama-12L --prompt "Once upon a time" --max-tokens 80',
    'shortgpt generate testdata/models/stories260K --prompt "Lily" --temperature 0.8 --top-p 0.9 --seed 7',
    'shortgpt generate testdata/models/bytellama-12L --prompt "Once upon a time" --prefill-skip 4,3,7',
  ],
};

/** EOS, and BOS for llama2.c tokenizers (run.c stops there: BOS separates its training stories). */
export function stopIds(tok: Tokenizer, modelEos: readonly number[]): number[] {
  const ids = new Set<number>();
  if (tok.eosId !== null) ids.add(tok.eosId);
  for (const id of modelEos) ids.add(id);
  if (tok.kind === "llama2c" && tok.bosId !== null) ids.add(tok.bosId);
  return [...ids];
}

export async function run(p: Parsed): Promise<void> {
  const dir = requireModel(p, spec);
  const jsonPath = str(p, "json");
  if (jsonPath && jsonPath !== "-") refuseInsideModel(jsonPath, dir);
  const prompt = str(p, "prompt");
  if (prompt === undefined) throw new UserError(`"generate" needs --prompt S, the text to continue`);
  const quiet = bool(p, "quiet");
  const temperature = num(p, "temperature")!, topP = num(p, "top-p")!;
  if (temperature < 0) throw new UserError(`--temperature must be 0 (greedy) or more; got ${temperature}`);
  if (!(topP > 0 && topP <= 1)) throw new UserError(`--top-p must be in (0, 1]; got ${topP}`);
  const tok = loadTokenizer(dir, readRawConfig(dir));
  const model = await loadForCli(dir, p);
  const promptIds = tok.encode(prompt);
  const skipFlag = str(p, "prefill-skip");
  const skip = skipFlag === undefined ? undefined : parseLayerList(skipFlag, "--prefill-skip");
  const keys = str(p, "gen-keys") as GenKeys;
  if (skip && bool(p, "no-cache")) {
    throw new UserError(`--prefill-skip fills a cache; it cannot be used with --no-cache`);
  }
  const r = await generate(model, promptIds, {
    maxTokens: num(p, "max-tokens"),
    temperature,
    topP,
    seed: num(p, "seed"),
    stopIds: stopIds(tok, model.info.eosTokenIds),
    cache: !bool(p, "no-cache"),
    prefill: skip ? (ids: Int32Array, run: Run<unknown>) => prefillSkipping(model, ids, run, skip, keys) : undefined,
  });
  const text = tok.decode(r.ids);
  const tps = r.ids.length > 1 ? ((r.ids.length - 1) / (r.decodeMs / 1000)).toFixed(1) : "n/a";
  note(
    `prefill ${promptIds.length} tokens in ${r.prefillMs.toFixed(1)} ms${
      skip ? ` (layers ${skip.join(",")} skipped, keys ${keys})` : ""
    }; ` +
      `${r.ids.length} new tokens in ${r.decodeMs.toFixed(1)} ms (${tps} tokens/s); stopped: ${r.stop}`,
    quiet,
  );
  const report = {
    model: dir,
    prompt,
    prompt_ids: promptIds,
    ids: r.ids,
    text,
    stop: r.stop,
    settings: {
      temperature,
      top_p: topP,
      seed: num(p, "seed"),
      cache: !bool(p, "no-cache"),
      prefill_skip: skip ?? [],
      gen_keys: keys,
    },
    timings_ms: { prefill: r.prefillMs, decode: r.decodeMs },
  };
  const json = str(p, "json");
  if (json === "-") return out(JSON.stringify(report));
  if (json) {
    writeFileAtomic(json, JSON.stringify(report, null, 2) + "\n");
    note(`wrote ${json}`, quiet);
  }
  out(prompt + text);
}
