/**
 * The logits of a few rows of the last hidden state. Scoring a continuation or picking the next
 * token needs only the rows at the end of a sequence, and the final norm and the head are
 * row-wise, so they run on those rows alone instead of producing a [T,V] array.
 *
 * @module
 */
import type { CausalLM } from "../models/model.ts";

/**
 * Logits [r1 − r0, V] of rows [r0, r1) of `last` = X_L [T,D] (before the final norm).
 *
 * @example
 * ```ts
 * import { loadModel } from "../models/load.ts";
 * import { forward } from "../models/forward.ts";
 * import { headRows } from "./head_rows.ts";
 * const model = loadModel("testdata/models/stories260K");
 * const { last } = await forward(model, Int32Array.from([1, 403, 407]), { hiddenOnly: true });
 * const logits = await headRows(model, last, 2, 3); // [1, 512]: the next-token logits
 * ```
 */
export async function headRows<A>(model: CausalLM<A>, last: A, r0: number, r1: number): Promise<Float32Array> {
  const { ops } = model;
  const D = model.info.hiddenSize;
  const h = await ops.read(last); // [T,D]
  const k = r1 - r0;
  const x = ops.upload(h.slice(r0 * D, r1 * D)); // [k,D]
  return await ops.read(model.head(model.finalNorm(x, k), k)); // [k,V]
}
