/**
 * The forward pass over a whole model, with a hook at every block boundary:
 * `X_0 = embed(ids)`, `X_{i+1} = blocks[i](X_i)`, logits = head(finalNorm(X_L)).
 *
 * @module
 */
import type { Ops } from "../backend/ops.ts";
import { UserError } from "../errors.ts";
import { firstNonFinite } from "../../kernels/cpu/nonfinite.ts";
import { type CausalLM, type ModelInfo, newRun, type Run } from "./model.ts";

/** Options of {@link forward}. */
export interface ForwardOptions<A> {
  /** Called with `(i, X_i)` for i = 0..L (raw convention: X_L is before the final norm). Do not modify `x`. */
  onHidden?: (i: number, x: A) => void | Promise<void>;
  /** Continue an earlier run (KV cache, RWKV state); a fresh run from position 0 by default. */
  run?: Run<A>;
  /** Ask blocks to keep what a later call on the same run needs. */
  keepState?: boolean;
  /** Skip the final norm and head (the caller only wants hidden states). */
  hiddenOnly?: boolean;
  /**
   * Check that every layer's output is finite (default true). A caller that checks otherwise
   * (BI sums, which NaN and Inf reach) turns it off to save a device backend the read of X_L.
   */
  checkFinite?: boolean;
  /**
   * Check `ids` against the model first (default true). A caller that checked every window once
   * before its work began ({@link checkWindows}) turns it off, so no window is checked twice.
   */
  checkIds?: boolean;
}

/** What {@link forward} returns (backend handles; `ops.read` them to get numbers). */
export interface ForwardResult<A> {
  /** [T,V], row t predicts token t+1. Absent with `hiddenOnly`. */
  logits?: A;
  /** X_L after the final norm [T,D]. Absent with `hiddenOnly`. */
  final?: A;
  /** X_L [T,D], raw. */
  last: A;
}

/** Checks that `ids` are integers in [0, V) and that there are 1..maxPositions of them. */
export function checkIds(model: { readonly info: ModelInfo }, ids: ArrayLike<number>): void {
  const { vocabSize: V, maxPositions, family } = model.info;
  if (ids.length === 0) throw new UserError("No token ids to run; give at least one id");
  if (family !== "rwkv" && ids.length > maxPositions) {
    throw new UserError(
      `${ids.length} tokens exceed the model's context of ${maxPositions} (max_position_embeddings); use a shorter input or --window`,
    );
  }
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    if (!Number.isInteger(id) || id < 0 || id >= V) {
      throw new UserError(`Token id ${id} at position ${t} is out of range; the vocabulary has ids 0..${V - 1}`);
    }
  }
}

/**
 * Checks every window with {@link checkIds}, all before any work: a bad id in the last window is
 * reported before the first window runs. Loops over windows call it once, then run unchecked.
 */
export function checkWindows(model: { readonly info: ModelInfo }, windows: readonly ArrayLike<number>[]): void {
  for (const ids of windows) checkIds(model, ids);
}

/**
 * Runs `model` over `ids`.
 *
 * @example
 * ```ts
 * import { loadModel } from "./load.ts";
 * import { forward } from "./forward.ts";
 * const model = loadModel("testdata/models/stories260K");
 * const { logits } = await forward(model, new Int32Array([1, 403, 407]));
 * ```
 */
export async function forward<A>(
  model: CausalLM<A>,
  ids: Int32Array,
  opts: ForwardOptions<A> = {},
): Promise<ForwardResult<A>> {
  if (opts.checkIds ?? true) checkIds(model, ids);
  const T = ids.length;
  const run = opts.run ?? newRun<A>();
  const fresh = run.pos0 === 0;
  const check = opts.checkFinite ?? true;
  let x = model.embed(ids); // X_0 [T,D]
  await opts.onHidden?.(0, x);
  for (let i = 0; i < model.blocks.length; i++) {
    const block = model.blocks[i];
    x = block.forward(x, T, run, opts.keepState ?? false); // X_{i+1} [T,D]
    if (check && x instanceof Float32Array) checkFinite(x, `The output of layer ${block.originalIndex}`);
    await opts.onHidden?.(i + 1, x);
  }
  run.pos0 += T;
  // A device backend keeps activations on the device: one number read back says whether X_L
  // holds NaN or Inf, and so whether any layer overflowed (they propagate); only then are the
  // layers run again, read one by one.
  if (
    check && !(x instanceof Float32Array) && model.blocks.length > 0 &&
    await anyNonFinite(model.ops, x, T * model.info.hiddenSize)
  ) {
    if (fresh) await nameNonFiniteLayer(model, ids);
    const last = model.blocks[model.blocks.length - 1].originalIndex;
    checkFinite(await model.ops.read(x), `The output of layer ${last} (or an earlier one)`);
  }
  if (opts.hiddenOnly) return { last: x };
  const final = model.finalNorm(x, T); // [T,D]
  const logits = model.head(final, T); // [T,V]
  return { logits, final, last: x };
}

/** Runs `ids` again from position 0 reading every layer's output, and throws naming the first that is not finite. */
async function nameNonFiniteLayer<A>(model: CausalLM<A>, ids: Int32Array): Promise<void> {
  const run = newRun<A>();
  let x = model.embed(ids);
  for (const block of model.blocks) {
    x = block.forward(x, ids.length, run, false);
    checkFinite(await model.ops.read(x), `The output of layer ${block.originalIndex}`);
  }
}

/** Whether x[0..n) holds NaN or Inf, asked on the backend (a device reads back one number, not x). */
export async function anyNonFinite<A>(ops: Ops<A>, x: A, n: number): Promise<boolean> {
  return (await ops.read(ops.anyNonFinite(x, n)))[0] !== 0;
}

/** Throws a UserError naming the block when an activation holds NaN or Inf. */
export function checkFinite(x: Float32Array, where: string): void {
  const i = firstNonFinite(x);
  if (i >= 0) {
    throw new UserError(
      `${where} holds ${x[i]} at element ${i}; the weights overflow float32 on this input or are corrupt`,
    );
  }
}

/**
 * Every hidden state X_0..X_L of one sequence, copied to the host ([T,D] each). With
 * `lastHidden: "hf"` the last entry has the final norm applied, as Hugging Face's
 * `output_hidden_states` does.
 *
 * @example
 * ```ts
 * import { loadModel } from "./load.ts";
 * import { hiddenStates } from "./forward.ts";
 * const model = loadModel("testdata/models/stories260K");
 * const xs = await hiddenStates(model, Int32Array.from([1, 403, 407]));
 * console.log(xs.length); // 6 = L + 1
 * ```
 */
export async function hiddenStates<A>(
  model: CausalLM<A>,
  ids: Int32Array,
  { lastHidden = "raw" }: { lastHidden?: "raw" | "hf" } = {},
): Promise<Float32Array[]> {
  const handles: A[] = [];
  const { last } = await forward(model, ids, { onHidden: (_i, x) => void handles.push(x), hiddenOnly: true });
  if (lastHidden === "hf") handles[handles.length - 1] = model.finalNorm(last, ids.length);
  const out: Float32Array[] = [];
  for (const h of handles) out.push(new Float32Array(await model.ops.read(h)));
  return out;
}
