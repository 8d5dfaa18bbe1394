/**
 * ShortGPT-gen (the ACL 2025 version of ShortGPT): keep every layer, but make the prefill
 * cheaper. While the prompt runs, the layers ShortGPT would remove are skipped,
 *
 *   h_{l+1} = h_l                                  (layer l skipped)
 *
 * yet their key/value cache is still filled, from the hidden state that reaches them:
 *
 *   K_l = W_k · LN(h_l),  V_l = W_v · LN(h_l)      (LN = the layer's input_layernorm)
 *
 * Decoding then runs every layer, each attending to a full cache. A skipped layer costs its K
 * and V projections instead of Q, attention, O and the whole SwiGLU feed-forward.
 *
 * Keys and RoPE. Every other layer's cache holds keys rotated by RoPE at their positions (the
 * block rotates k before caching it, as Hugging Face's cache does), and at decode time a query
 * rotated at position p meets them so that their product depends on p − j only. The released
 * code caches the skipped layers' keys *without* RoPE, so a query at p meets unrotated keys and
 * the score of key j depends on p alone, not on p − j: position information is lost for those
 * layers. The consistent choice, and our default (`keys: "rope"`), rotates them at positions
 * pos0..pos0+T−1 exactly like the block would; `keys: "norope"` reproduces the released code.
 * See docs/shortgpt_gen.md for the measured effect.
 *
 * Only the Llama family has a key/value cache to fill this way; RWKV's recurrent state needs
 * the whole time-mix, so it is refused.
 *
 * The cache entry is written in the layout `LlamaBlock.forward` keeps in `run.state`
 * (`{ k [Tk, Hkv·Hd], v [Tk, Hkv·Hd], Tk }`), computed from the block's public `ops`, `shape`
 * and `w`; the test "fillCache() leaves the cache LlamaBlock.forward leaves" pins that layout.
 *
 * Legend: T tokens, D hidden, Hkv key/value heads, Hd head dim.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import { checkIds } from "../models/forward.ts";
import { LlamaBlock } from "../models/llama/model.ts";
import type { CausalLM, Run } from "../models/model.ts";
import { checkLayerIndices } from "../prune/remove_layers.ts";

/** How the skipped layers' keys enter the cache. */
export type GenKeys = "rope" | "norope";

/** The cache entry LlamaBlock keeps in `run.state` (same layout). */
interface KvCache<A> {
  k: A; // [Tk, Hkv·Hd]
  v: A; // [Tk, Hkv·Hd]
  Tk: number;
}

/**
 * Appends layer `block`'s keys and values of `x` = h_l [T,D] to its cache in `run`, without
 * running the layer (nothing else is computed; `x` is not modified; `run.pos0` is where the
 * T tokens start).
 */
export function fillCache<A>(block: LlamaBlock<A>, x: A, T: number, run: Run<A>, keys: GenKeys = "rope"): void {
  const { ops, w } = block;
  const { D, Hkv, Hd, eps, rope } = block.shape;
  const h = ops.rmsnorm(x, w.input_layernorm, T, D, eps); // LN(h_l) [T,D]
  let k = ops.linear(h, w.k_proj, T, D, Hkv * Hd, w.k_bias); // [T,Hkv·Hd]
  let v = ops.linear(h, w.v_proj, T, D, Hkv * Hd, w.v_bias); // [T,Hkv·Hd]
  if (rope && keys === "rope") ops.rope(k, T, Hkv, Hd, run.pos0, rope.at(run.pos0 + T), rope.scale);
  let Tk = T;
  const cache = run.state.get(block) as KvCache<A> | undefined;
  if (cache) {
    k = ops.concatRows(cache.k, k, cache.Tk, T, Hkv * Hd);
    v = ops.concatRows(cache.v, v, cache.Tk, T, Hkv * Hd);
    Tk = cache.Tk + T;
  }
  run.state.set(block, { k, v, Tk } satisfies KvCache<A>);
}

/** Checks that `skip` lists layers of `model` that can be skipped this way. */
function checkSkippable(model: CausalLM<unknown>, skip: readonly number[]): void {
  checkLayerIndices(skip, model.blocks.length);
  if (skip.some((i) => !(model.blocks[i] instanceof LlamaBlock))) {
    throw new UserError(
      `ShortGPT-gen fills a key/value cache, which ${model.info.family} blocks do not have; use a Llama-family model`,
    );
  }
}

/**
 * The ShortGPT-gen prefill: runs `ids` through `model` into `run` (keeping every layer's
 * cache), skipping the layers in `skip` but filling their caches ({@link fillCache}). Returns
 * X_L [T,D]. Use it as `generate()`'s `prefill`.
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { generate } from "./generate.ts";
 * import { prefillSkipping } from "./shortgpt_gen.ts";
 * const model = loadModel("testdata/models/bytellama-12L");
 * const prompt = Array.from(new TextEncoder().encode("Once upon a time"));
 * const { ids } = await generate(model, prompt, {
 *   maxTokens: 20,
 *   prefill: (x, run) => prefillSkipping(model, x, run, [4, 3, 7]),
 * });
 * ```
 */
// deno-lint-ignore require-await -- async like forward(): a bad layer list rejects the promise, it does not throw
export async function prefillSkipping<A>(
  model: CausalLM<A>,
  ids: Int32Array,
  run: Run<A>,
  skip: readonly number[],
  keys: GenKeys = "rope",
): Promise<A> {
  checkIds(model, ids);
  checkSkippable(model as CausalLM<unknown>, skip);
  const skipped = new Set(skip);
  const T = ids.length;
  let x = model.embed(ids); // X_0 [T,D]
  for (let i = 0; i < model.blocks.length; i++) {
    const block = model.blocks[i];
    if (skipped.has(i)) fillCache(block as LlamaBlock<A>, x, T, run, keys); // h_{i+1} = h_i
    else x = block.forward(x, T, run, true); // [T,D]
  }
  run.pos0 += T;
  return x;
}
