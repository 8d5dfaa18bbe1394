/**
 * Text generation with a key/value cache: the prompt runs once with `keepState` (prefill),
 * filling each block's cache (RWKV: its recurrent state) in a {@link Run}; then each new token
 * runs alone from that run (decode), one position at a time. Greedy by default; with
 * `temperature > 0` tokens are drawn from softmax(logits / temperature), optionally restricted
 * to the top-k most likely and then to the top-p nucleus, with a seeded generator. Stops at EOS (or any of `stopIds`), after
 * `maxTokens`, or when a transformer's context is full.
 *
 * Determinism: greedy decoding and the generator ({@link mulberry32}, integer arithmetic) are
 * the same on every runtime; sampled tokens use `Math.exp`, which engines may round differently
 * in the last bit, so a draw landing within ~1e-16 of a boundary could differ across runtimes.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import { checkIds, forward } from "../models/forward.ts";
import { type CausalLM, newRun, type Run } from "../models/model.ts";
import { headRows } from "./head_rows.ts";
import { argmaxRow, contextLimit } from "./loglikelihood.ts";

/**
 * mulberry32: a 32-bit seeded generator of floats in [0, 1), integer arithmetic only, so the
 * same seed gives the same numbers on every runtime.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How the next token is picked. */
export interface SamplingOptions {
  /** 0 (default): greedy, the arg-max (lowest id among equals). Above 0: sample from softmax(logits / T). */
  temperature?: number;
  /** Nucleus sampling: draw from the smallest set of most likely tokens whose probability reaches P (default 1). */
  topP?: number;
  /**
   * Top-k sampling: draw only from the K most likely tokens (and any tied with the K-th); 0
   * (default) keeps all. Applied after the temperature and before top-p, in the order of
   * transformers' logits warpers (`TemperatureLogitsWarper`, `TopKLogitsWarper`, `TopPLogitsWarper`).
   */
  topK?: number;
}

/**
 * Picks a token from the logits `row` of [·,V] `logits`. `rand` is a draw in [0, 1).
 *
 * @example
 * ```ts
 * import { mulberry32, pickToken } from "./generate.ts";
 * const logits = Float32Array.from([0, 2, 1]);
 * pickToken(logits, 0, 3, {}, mulberry32(1)); // 1 (greedy)
 * ```
 */
export function pickToken(
  logits: Float32Array,
  row: number,
  V: number,
  { temperature = 0, topP = 1, topK = 0 }: SamplingOptions,
  rand: () => number,
): number {
  if (!(temperature > 0)) return argmaxRow(logits, row, V);
  const base = row * V;
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[base + v]);
  const p = new Float64Array(V); // softmax(logits / T), unnormalised
  let z = 0;
  for (let v = 0; v < V; v++) z += p[v] = Math.exp((logits[base + v] - max) / temperature);
  let order = Array.from({ length: V }, (_, v) => v);
  let total = z;
  if (topP < 1 || (topK > 0 && topK < V)) {
    // most likely first (lower id first among equals)
    order.sort((a, b) => p[b] - p[a] || a - b);
    if (topK > 0 && topK < V) {
      // keep the K most likely and every token tied with the K-th, as TopKLogitsWarper does
      const kth = p[order[topK - 1]];
      let n = topK;
      while (n < V && p[order[n]] >= kth) n++;
      order = order.slice(0, n);
      total = 0;
      for (const v of order) total += p[v];
    }
    if (topP < 1) {
      // the nucleus of what is left: cut where the mass reaches topP (the crossing token kept)
      let cum = 0, n = 0;
      while (n < order.length && cum < topP * total) cum += p[order[n++]];
      order = order.slice(0, Math.max(n, 1));
      total = cum;
    }
  }
  const r = rand() * total;
  let cum = 0;
  for (const v of order) {
    cum += p[v];
    if (r < cum) return v;
  }
  return order[order.length - 1]; // rounding: r landed at the very end
}

/** Options of {@link generate}. */
export interface GenerateOptions<A> extends SamplingOptions {
  /** New tokens at most (default 64). */
  maxTokens?: number;
  /** Seed of the generator (default 0); only used when sampling. */
  seed?: number;
  /** Stop when one of these ids is generated (default: the model's EOS, when it has one). */
  stopIds?: readonly number[];
  /** false: recompute the whole sequence for every new token (no cache; the test oracle). Default true. */
  cache?: boolean;
  /** Runs the prompt into `run` and returns X_L [T,D]; the default is a plain forward with keepState. */
  prefill?: (ids: Int32Array, run: Run<A>) => Promise<A>;
  /** Called with each new token. */
  onToken?: (id: number) => void;
}

/** What {@link generate} returns. */
export interface GenerateResult {
  /** The new tokens (the stop id included when it stopped at one). */
  ids: number[];
  /** Why it stopped: a stop id, `maxTokens` reached, or the model's context limit. */
  stop: "eos" | "max_tokens" | "context";
  /** Milliseconds spent on the prompt (prefill, up to the first logits). */
  prefillMs: number;
  /** Milliseconds from the first logits to the end: sampling and the forward of each new token. */
  decodeMs: number;
}

/**
 * Generates up to `maxTokens` tokens after `prompt`.
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { generate } from "./generate.ts";
 * const model = loadModel("testdata/models/bytellama-12L");
 * const prompt = Array.from(new TextEncoder().encode("Once upon a time"));
 * const { ids } = await generate(model, prompt, { maxTokens: 14 });
 * new TextDecoder().decode(Uint8Array.from(ids)); // ", there was a "
 * ```
 */
export async function generate<A>(
  model: CausalLM<A>,
  prompt: readonly number[],
  opts: GenerateOptions<A> = {},
): Promise<GenerateResult> {
  const { maxTokens = 64, seed = 0, cache = true } = opts;
  const stopIds = opts.stopIds ?? [...model.info.eosTokenIds];
  if (prompt.length === 0) throw new UserError("The prompt has no tokens; give some text (the tokenizer adds no BOS)");
  if (!Number.isInteger(maxTokens) || maxTokens < 0) {
    throw new UserError(`--max-tokens must be 0 or more; got ${maxTokens}`);
  }
  checkIds(model, prompt);
  const V = model.info.vocabSize;
  const limit = contextLimit(model);
  const rand = mulberry32(seed);
  const seq = [...prompt];
  const out: number[] = [];

  const t0 = performance.now();
  const run = newRun<A>();
  let last: A; // X_L of the newest call
  let T: number;
  if (cache) {
    last = opts.prefill
      ? await opts.prefill(Int32Array.from(prompt), run)
      : (await forward(model, Int32Array.from(prompt), { run, keepState: true, hiddenOnly: true })).last;
  } else {
    last = (await forward(model, Int32Array.from(prompt), { hiddenOnly: true })).last;
  }
  T = prompt.length;
  let logits = await headRows(model, last, T - 1, T); // [1,V]
  const t1 = performance.now();

  let stop: GenerateResult["stop"] = "max_tokens";
  while (out.length < maxTokens) {
    const next = pickToken(logits, 0, V, opts, rand);
    out.push(next);
    seq.push(next);
    opts.onToken?.(next);
    if (stopIds.includes(next)) {
      stop = "eos";
      break;
    }
    if (out.length >= maxTokens) break;
    if (seq.length > limit) {
      stop = "context";
      break;
    }
    if (cache) {
      last = (await forward(model, Int32Array.of(next), { run, keepState: true, hiddenOnly: true })).last; // [1,D]
      T = 1;
    } else {
      last = (await forward(model, Int32Array.from(seq), { hiddenOnly: true })).last; // [seq,D]
      T = seq.length;
    }
    logits = await headRows(model, last, T - 1, T);
  }
  return { ids: out, stop, prefillMs: t1 - t0, decodeMs: performance.now() - t1 };
}
