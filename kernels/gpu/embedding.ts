/**
 * Dispatcher of `kernels/wgsl/embedding.wgsl`. Oracle: `embeddingGather` in
 * `kernels/cpu/embedding.ts`.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, checkNoAlias, grid1d } from "./_common.ts";

const WG = 256;

/**
 * Records `out[t] = table[ids[t]]`. The ids are uploaded with the call; the caller has checked
 * that each is an integer in [0, V).
 *
 * @param out   [T, D] result, T = ids.length
 * @param table [V, D] `embed_tokens.weight`
 * @param ids   [T] token ids
 */
export function embeddingGather(gpu: Gpu, out: GpuTensor, table: GpuTensor, ids: ArrayLike<number>, D: number): void {
  const T = ids.length;
  checkLength("embeddingGather", "out", out, T * D);
  const idBuffer = gpu.upload(Uint32Array.from(ids), "ids").buffer;
  checkNoAlias("embeddingGather", { out }, { table });
  const buffers = [gpu.uniform([T, D]), table.buffer, idBuffer, out.buffer];
  gpu.dispatch(gpu.pipeline("embedding", { WG }), buffers, grid1d(T * D, WG));
}
