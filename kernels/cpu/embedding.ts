/**
 * Token embedding lookup.
 *
 * @module
 */

/**
 * `out[t] = table[ids[t]]`: copies one row of the embedding table per token. The caller checks
 * that every id is an integer in `[0, V)`.
 *
 * @param out   [T, D] result, T = ids.length
 * @param table [V, D] `embed_tokens.weight`
 * @param ids   [T] token ids
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * embeddingGather(out, new Float32Array([1, 2, 3, 4]), [1], 2); // out = [3, 4]
 * ```
 */
export function embeddingGather(out: Float32Array, table: Float32Array, ids: ArrayLike<number>, D: number): void {
  for (let t = 0; t < ids.length; t++) out.set(table.subarray(ids[t] * D, (ids[t] + 1) * D), t * D);
}
