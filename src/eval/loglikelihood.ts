/**
 * Log-likelihood of a continuation given a context, as lm-evaluation-harness computes it
 * (docs/evaluation.md "The scoring rule", `lm_eval/api/model.py` `TemplateLM._encode_pair` and
 * `lm_eval/models/huggingface.py` `HFLM._loglikelihood_tokens`):
 *
 * 1. Trailing whitespace of the context moves to the front of the continuation.
 * 2. `whole = encode(context + continuation)`, `ctx = encode(context)` (both with BOS where the
 *    tokenizer adds one, so BOS appears once); the continuation ids are `whole[len(ctx):]`.
 *    The model reads `ctx ++ cont`.
 * 3. Score = Σ log p(cont[j] | everything before it), summed in float64; `isGreedy` says the
 *    arg-max token equals `cont[j]` at every continuation position (lm-eval's `is_greedy`).
 *
 * Longer than the model's context (`max` tokens): lm-eval keeps the last `max + 1` tokens of
 * `ctx ++ cont` and feeds all but the last, i.e. the context is cut from the left; so do we.
 * A continuation of more than `max` tokens does not fit even alone (lm-eval asserts there); we
 * score it in windows instead: chunks of ⌈max/2⌉ continuation tokens, each read after the
 * tokens before it cut to fit, so every token is predicted from at least max/2 tokens before
 * it (from all of them when fewer). RWKV has no context limit and is never cut.
 *
 * Several continuations of one context are batched: the tokens they share run once with
 * `keepState` (the KV cache, or RWKV's recurrent state, lands in a {@link Run}) and each
 * continuation goes on from a copy of that run. A copy is a new `Map` over the same state
 * values: blocks called without `keepState` read the stored state but leave it unchanged
 * (LlamaBlock concatenates its cache into new arrays; RWKV blocks clone their state first), so
 * one prefix run serves every continuation.
 *
 * Legend: T tokens, D hidden, V vocab.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import type { Tokenizer } from "../io/tokenizer/mod.ts";
import { forward } from "../models/forward.ts";
import { type CausalLM, newRun, type Run } from "../models/model.ts";
import { headRows } from "./head_rows.ts";
import { logProb } from "./perplexity.ts";

/** One request as token ids: what the model reads first, and the ids that are scored. */
export interface TokenRequest {
  /** Ids the model reads before the scored ones (BOS first when one is added). */
  context: readonly number[];
  /** Ids whose log-probabilities are summed, each given everything before it. */
  continuation: readonly number[];
  /**
   * The context was empty and the tokenizer has neither BOS nor EOS, so lm-eval's
   * `prefix_token_id` does not exist (lm-eval has no rule): the first continuation id became
   * the context and is not scored.
   */
  firstIdAsContext?: true;
}

/** The score of one {@link TokenRequest}. */
export interface LoglikelihoodResult {
  /** Σ log p(continuation token | before), float64. */
  ll: number;
  /** Every continuation token is the arg-max of its row (ties: the lower id wins). */
  isGreedy: boolean;
  /** Number of scored tokens (= continuation ids). */
  tokens: number;
  /** Context tokens the first window does not see (cut from the left to fit the model; 0 when it fits). */
  truncated: number;
  /**
   * Forward passes the continuation was scored in: 1, or more when the continuation alone is
   * longer than the model's context (lm-eval asserts there; we score it in windows).
   */
  windows: number;
}

/** Splits off the trailing whitespace of `context` and puts it in front of `continuation`. */
export function moveTrailingSpace(context: string, continuation: string): [string, string] {
  const kept = context.replace(/\s+$/u, "");
  return [kept, context.slice(kept.length) + continuation];
}

/** Options of {@link encodePair}. */
export interface EncodePairOptions {
  /**
   * Put the tokenizer's BOS in front of the context (default true: the tokenizer's default
   * special tokens, as lm-eval's Hugging Face backend adds them since 0.4.9.2). false is older
   * lm-eval's default (`add_bos_token=False`): no BOS, except that an empty context still reads
   * its `prefix_token_id` (BOS, else EOS). See docs/evaluation.md, "BOS".
   */
  bos?: boolean;
}

/**
 * Tokenizes one (context, continuation) pair by docs/evaluation.md "The scoring rule".
 *
 * An empty context has no ids when no BOS is added; lm-eval then reads its `prefix_token_id`
 * (BOS, else EOS) first. With neither (the byte-level test models), the first continuation id
 * becomes the context and is not scored.
 *
 * @example
 * ```ts
 * import { BytesTokenizer } from "../io/tokenizer/mod.ts";
 * import { encodePair } from "./loglikelihood.ts";
 * const r = encodePair(new BytesTokenizer(), "Answer: ", "yes");
 * // r.context = bytes of "Answer:", r.continuation = bytes of " yes"
 * ```
 */
export function encodePair(
  tok: Tokenizer,
  context: string,
  continuation: string,
  { bos = true }: EncodePairOptions = {},
): TokenRequest {
  const [ctxText, contText] = moveTrailingSpace(context, continuation);
  const whole = tok.encode(ctxText + contText, { bos });
  let ctx = tok.encode(ctxText, { bos });
  let cont = whole.slice(ctx.length);
  let firstIdAsContext = false;
  if (ctx.length === 0) {
    const prefix = tok.bosId ?? tok.eosId;
    if (prefix !== null) ctx = [prefix];
    else [ctx, cont, firstIdAsContext] = [cont.slice(0, 1), cont.slice(1), true];
  }
  if (cont.length === 0) {
    throw new UserError(
      `The continuation ${JSON.stringify(continuation)} of context ${
        JSON.stringify(preview(context))
      } encodes to no scored tokens`,
    );
  }
  return firstIdAsContext
    ? { context: ctx, continuation: cont, firstIdAsContext }
    : { context: ctx, continuation: cont };
}

function preview(s: string): string {
  return s.length > 60 ? "…" + s.slice(-60) : s;
}

/** How many tokens the model reads at most (`Infinity` for RWKV). */
export function contextLimit(model: CausalLM<unknown>): number {
  return model.info.family === "rwkv" ? Infinity : model.info.maxPositions;
}

/**
 * One forward pass of a request: the model reads `input` [n]; rows first..n−1 are scored, row r
 * predicting `targets[r]`.
 */
interface Window {
  input: number[];
  targets: number[];
  first: number;
}

/** The windows one request is scored in (one, unless the continuation alone exceeds `limit`). */
function windowsOf(req: TokenRequest, limit: number): { windows: Window[]; truncated: number } {
  const full = [...req.context, ...req.continuation]; // N tokens; targets are full[N−m..N−1]
  const N = full.length, m = req.continuation.length;
  const chunk = m <= limit ? m : Math.ceil(limit / 2);
  const windows: Window[] = [];
  let truncated = 0;
  for (let t0 = N - m; t0 < N; t0 += chunk) {
    const t1 = Math.min(t0 + chunk, N); // targets full[t0..t1−1], predicted by rows full[t0−1..t1−2]
    const s = Math.max(0, t1 - 1 - limit); // lm-eval: full[:t1][-(limit + 1):][:-1]
    if (windows.length === 0) truncated = Math.min(s, req.context.length);
    const input = full.slice(s, t1 - 1);
    windows.push({ input, targets: full.slice(s + 1, t1), first: t0 - 1 - s });
  }
  return { windows, truncated };
}

/** Length of the longest common prefix of `seqs`. */
function commonPrefix(seqs: readonly number[][]): number {
  let p = 0;
  const n = Math.min(...seqs.map((s) => s.length));
  while (p < n && seqs.every((s) => s[p] === seqs[0][p])) p++;
  return p;
}

/** Log-likelihood and greediness of rows [first, n) of a window, given the logits of each row. */
function scoreRows(
  w: Window,
  V: number,
  rowLogits: (r: number) => [Float32Array, number],
): { ll: number; isGreedy: boolean } {
  let ll = 0;
  let isGreedy = true;
  for (let r = w.first; r < w.input.length; r++) {
    const [logits, row] = rowLogits(r);
    const target = w.targets[r];
    ll += logProb(logits, row, V, target);
    if (isGreedy && argmaxRow(logits, row, V) !== target) isGreedy = false;
  }
  return { ll, isGreedy };
}

/** Index of the largest logit of `row` (the lowest index among equals). */
export function argmaxRow(logits: Float32Array, row: number, V: number): number {
  const base = row * V;
  let best = 0;
  for (let v = 1; v < V; v++) if (logits[base + v] > logits[base + best]) best = v;
  return best;
}

/** Options of {@link loglikelihoods}. */
export interface LoglikelihoodOptions {
  /** See {@link EncodePairOptions} (used where text is encoded: `scoreItem`, `evaluateTask`). */
  bos?: boolean;
  /** Run the tokens all requests share once (default true); false scores each from scratch. */
  sharePrefix?: boolean;
}

/**
 * Scores requests that usually share a context (the choices of one item).
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { BytesTokenizer } from "../io/tokenizer/mod.ts";
 * import { encodePair, loglikelihoods } from "./loglikelihood.ts";
 * const model = loadModel("testdata/models/bytellama-12L");
 * const tok = new BytesTokenizer();
 * const [a, b] = await loglikelihoods(model, [encodePair(tok, "The cat", " sat"), encodePair(tok, "The cat", " flew")]);
 * ```
 */
export async function loglikelihoods<A>(
  model: CausalLM<A>,
  requests: readonly TokenRequest[],
  { sharePrefix = true }: LoglikelihoodOptions = {},
): Promise<LoglikelihoodResult[]> {
  const V = model.info.vocabSize;
  const limit = contextLimit(model);
  const per = requests.map((r) => windowsOf(r, limit));
  const windows = per.flatMap((p) => p.windows);
  const scores = await scoreWindows(model, windows, sharePrefix && windows.length > 1, V);
  let k = 0;
  return per.map((p, i) => {
    const r: LoglikelihoodResult = {
      ll: 0,
      isGreedy: true,
      tokens: requests[i].continuation.length,
      truncated: p.truncated,
      windows: p.windows.length,
    };
    for (let j = 0; j < p.windows.length; j++, k++) {
      r.ll += scores[k].ll;
      r.isGreedy &&= scores[k].isGreedy;
    }
    return r;
  });
}

/** Runs and scores `windows`, the tokens they all start with once when `share`. */
async function scoreWindows<A>(
  model: CausalLM<A>,
  windows: readonly Window[],
  share: boolean,
  V: number,
): Promise<{ ll: number; isGreedy: boolean }[]> {
  const P = share ? commonPrefix(windows.map((w) => w.input)) : 0;

  if (P === 0) { // each window from scratch
    const out: { ll: number; isGreedy: boolean }[] = [];
    for (const w of windows) {
      const { last } = await forward(model, Int32Array.from(w.input), { hiddenOnly: true }); // [n,D]
      const logits = await headRows(model, last, w.first, w.input.length); // [n−first,V]
      out.push(scoreRows(w, V, (r) => [logits, r - w.first]));
    }
    return out;
  }

  // The shared prefix [0, P) once, keeping its state; the logits of its rows any window scores.
  const prefixRun = newRun<A>();
  const { last: prefixLast } = await forward(model, Int32Array.from(windows[0].input.slice(0, P)), {
    run: prefixRun,
    keepState: true,
    hiddenOnly: true,
  }); // [P,D]
  const lo = Math.min(...windows.map((w) => w.first));
  const prefixLogits = lo < P ? await headRows(model, prefixLast, lo, P) : new Float32Array(0); // [P−lo,V]

  const out: { ll: number; isGreedy: boolean }[] = [];
  for (const w of windows) {
    let suffixLogits: Float32Array = new Float32Array(0); // rows [max(first,P), n) of this window
    const s0 = Math.max(w.first, P);
    if (w.input.length > P) {
      const run: Run<A> = { pos0: prefixRun.pos0, state: new Map(prefixRun.state) }; // a copy; state values untouched
      const { last } = await forward(model, Int32Array.from(w.input.slice(P)), {
        run,
        keepState: false,
        hiddenOnly: true,
      });
      suffixLogits = await headRows(model, last, s0 - P, w.input.length - P);
    }
    out.push(scoreRows(w, V, (r) => (r < P ? [prefixLogits, r - lo] : [suffixLogits, r - s0])));
  }
  return out;
}
