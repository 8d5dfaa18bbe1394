/** `shortgpt generate <model> --prompt S`: text generation with a key/value cache. @module */
import { UserError } from "../errors.ts";
import { generate } from "../eval/generate.ts";
import { type GenKeys, prefillSkipping } from "../eval/shortgpt_gen.ts";
import { readRawConfig } from "../io/config_json.ts";
import { type GenerationConfig, readGenerationConfig } from "../io/generation_config.ts";
import { loadTokenizer, type Tokenizer } from "../io/tokenizer/mod.ts";
import type { Run } from "../models/model.ts";
import type { CommandSpec, Parsed } from "./args.ts";
import { bool, num, str } from "./args.ts";
import { loadForCli, reportFields } from "./shared.ts";
import { requireModel } from "./common.ts";
import { parseLayerList } from "./inputs.ts";
import { note, out, refuseInsideModel, writeFileAtomic } from "./output.ts";

export const spec: CommandSpec = {
  name: "generate",
  summary:
    "generate text with a key/value cache (defaults from generation_config.json, else greedy); ShortGPT-gen prefill with --prefill-skip",
  usage:
    "shortgpt generate <model> --prompt S [--max-tokens N] [--sample|--greedy] [--temperature T] [--top-p P] [--top-k K] [--seed S] [--prefill-skip LIST [--gen-keys rope|norope]] [--json F]",
  description: `
The prompt (with BOS where the tokenizer adds one) runs once, filling every layer's key/value
cache (RWKV: its recurrent state); then each new token runs alone. Greedy (arg-max), or
sampled: drawn from softmax(logits / T), kept to the top-k most likely, then to the top-p
nucleus (transformers' order), by a seeded generator (mulberry32): the same seed gives the same
text. Stops at EOS (and, for llama2.c tokenizers, at BOS, which separates stories there, as
run.c does), after --max-tokens, or when the model's context is full.

Defaults come from the model folder's generation_config.json as transformers' generate() reads
it: do_sample (false: greedy whatever the temperature), temperature, top_p, top_k,
max_new_tokens (else max_length minus the prompt). A flag always wins over the file; a value in
neither is transformers' GenerationConfig default (greedy, T 1, top-p 1, top-k 50), except 64
new tokens. --temperature alone also picks the mode: 0 greedy, above 0 sampled. The --json
report lists each value used and where it came from (flag, generation_config.json, built-in).

ShortGPT-gen (ACL 2025): --prefill-skip 4,3,7 skips those layers while the prompt runs
(h_{l+1} = h_l) but still fills their key/value cache from W_k·LN(h_l) and W_v·LN(h_l); every
layer runs while decoding. --gen-keys rope (default) rotates those keys by RoPE like every other
cached key; norope caches them unrotated, as the released code does. See docs/shortgpt_gen.md.`,
  positionals: ["model"],
  flags: {
    prompt: { type: "string", arg: "S", help: "the text to continue" },
    "max-tokens": {
      type: "int",
      arg: "N",
      help: "new tokens at most (default: generation_config.json's max_new_tokens or max_length, else 64)",
    },
    sample: { type: "boolean", help: "sample (do_sample true) whatever generation_config.json says" },
    greedy: { type: "boolean", help: "arg-max (do_sample false) whatever generation_config.json says" },
    temperature: {
      type: "number",
      arg: "T",
      help: "softmax temperature (default: generation_config.json, else 1); without --sample/--greedy, 0 = greedy",
    },
    "top-p": {
      type: "number",
      arg: "P",
      help: "nucleus: keep the most likely tokens up to mass P (default: generation_config.json, else 1)",
    },
    "top-k": {
      type: "int",
      arg: "K",
      help: "keep the K most likely tokens, 0 = all (default: generation_config.json, else 50)",
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
      help:
        "write {model, prompt, prompt_ids, ids, text, stop, settings, settings_source, timings_ms} as JSON (- for stdout)",
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

/** Where a generation setting came from. */
export type SettingSource = "flag" | "generation_config.json" | "built-in";

/** The sampling settings `generate` uses, each with its source. */
export interface ResolvedSampling {
  doSample: boolean;
  temperature: number;
  topP: number;
  topK: number;
  maxNewTokens: number;
  sources: {
    do_sample: SettingSource;
    temperature: SettingSource;
    top_p: SettingSource;
    top_k: SettingSource;
    max_new_tokens: SettingSource;
  };
}

/**
 * Resolves do_sample, temperature, top_p, top_k and the new-token limit: the flag when given,
 * else generation_config.json's value (`gen`, null when the folder has none), else transformers'
 * `GenerationConfig` default (64 new tokens instead of its `max_length` 20). As in transformers,
 * `max_new_tokens` wins over `max_length`, and a `max_length` the prompt already fills still
 * lets one token through (its length check runs after each new token).
 */
export function resolveSampling(p: Parsed, gen: GenerationConfig | null, promptLength: number): ResolvedSampling {
  const file = "generation_config.json";
  const pick = <T>(flag: T | undefined, fromFile: T | undefined, builtIn: T): [T, SettingSource] =>
    flag !== undefined ? [flag, "flag"] : fromFile !== undefined ? [fromFile, file] : [builtIn, "built-in"];
  const tFlag = num(p, "temperature");
  if (bool(p, "sample") && bool(p, "greedy")) throw new UserError(`Give --sample or --greedy, not both`);
  const modeFlag = bool(p, "sample") ? true : bool(p, "greedy") ? false : tFlag !== undefined ? tFlag > 0 : undefined;
  const [doSample, doSampleFrom] = pick(modeFlag, gen?.doSample, false);
  const [temperature, temperatureFrom] = pick(tFlag, gen?.temperature, 1);
  const [topP, topPFrom] = pick(num(p, "top-p"), gen?.topP, 1);
  const [topK, topKFrom] = pick(num(p, "top-k"), gen?.topK, 50);
  const fromLength = gen?.maxLength === undefined ? undefined : Math.max(1, gen.maxLength - promptLength);
  const [maxNewTokens, maxFrom] = pick(num(p, "max-tokens"), gen?.maxNewTokens ?? fromLength, 64);
  if (temperature < 0) throw new UserError(`--temperature must be 0 (greedy) or more; got ${temperature}`);
  if (!(topP > 0 && topP <= 1)) throw new UserError(`--top-p must be in (0, 1]; got ${topP}`);
  if (topK < 0) throw new UserError(`--top-k must be 0 (keep all) or more; got ${topK}`);
  if (doSample && temperature === 0) {
    // transformers' TemperatureLogitsWarper refuses this too
    const where = temperatureFrom === "flag" ? "--temperature 0" : `${file}'s temperature 0`;
    throw new UserError(`Sampling needs a temperature above 0, not ${where}; give --greedy or --temperature T`);
  }
  return {
    doSample,
    temperature,
    topP,
    topK,
    maxNewTokens,
    sources: {
      do_sample: doSampleFrom,
      temperature: temperatureFrom,
      top_p: topPFrom,
      top_k: topKFrom,
      max_new_tokens: maxFrom,
    },
  };
}

export async function run(p: Parsed): Promise<void> {
  const dir = requireModel(p, spec);
  const jsonPath = str(p, "json");
  if (jsonPath && jsonPath !== "-") refuseInsideModel(jsonPath, dir);
  const prompt = str(p, "prompt");
  if (prompt === undefined) throw new UserError(`"generate" needs --prompt S, the text to continue`);
  const quiet = bool(p, "quiet");
  const tok = loadTokenizer(dir, readRawConfig(dir));
  const model = await loadForCli(dir, p);
  const promptIds = tok.encode(prompt);
  const sampling = resolveSampling(p, readGenerationConfig(dir), promptIds.length);
  const skipFlag = str(p, "prefill-skip");
  const skip = skipFlag === undefined ? undefined : parseLayerList(skipFlag, "--prefill-skip");
  const keys = str(p, "gen-keys") as GenKeys;
  if (skip && bool(p, "no-cache")) {
    throw new UserError(`--prefill-skip fills a cache; it cannot be used with --no-cache`);
  }
  const r = await generate(model, promptIds, {
    maxTokens: sampling.maxNewTokens,
    temperature: sampling.doSample ? sampling.temperature : 0,
    topP: sampling.topP,
    topK: sampling.topK,
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
      do_sample: sampling.doSample,
      temperature: sampling.temperature,
      top_p: sampling.topP,
      top_k: sampling.topK,
      max_new_tokens: sampling.maxNewTokens,
      seed: num(p, "seed"),
      cache: !bool(p, "no-cache"),
      prefill_skip: skip ?? [],
      gen_keys: keys,
    },
    settings_source: sampling.sources,
    timings_ms: { prefill: r.prefillMs, decode: r.decodeMs },
    ...reportFields(p),
  };
  const json = str(p, "json");
  if (json === "-") return out(JSON.stringify(report));
  if (json) {
    writeFileAtomic(json, JSON.stringify(report, null, 2) + "\n");
    note(`wrote ${json}`, quiet);
  }
  out(prompt + text);
}
