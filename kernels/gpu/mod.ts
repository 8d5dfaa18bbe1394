/**
 * WebGPU kernel dispatchers: each records a shader of `kernels/wgsl/` on a {@link Gpu}
 * (blockChangeSums two; concatRows only buffer copies), with the output first as in
 * `kernels/cpu/`, whose kernels are their oracles.
 * Dimension legend: T tokens, D hidden, H query heads, Hkv kv heads, Hd head dim, F ffn, V vocab.
 *
 * @example
 * ```ts
 * import { openGpu, rmsnorm } from "./mod.ts";
 * const gpu = await openGpu();
 * const x = gpu.upload(new Float32Array([3, 4])); // [T=1, D=2]
 * const out = gpu.tensor(2);
 * rmsnorm(gpu, out, x, gpu.upload(new Float32Array([1, 1])), 1, 2, 1e-6);
 * console.log(await gpu.read(out)); // ≈ [0.8485, 1.1314]
 * ```
 *
 * @module
 */
export { type Gpu, type GpuTensor, GpuUnavailable, openGpu } from "./device.ts";
export { matmul, type MatmulTuning } from "./matmul.ts";
export { rmsnorm } from "./rmsnorm.ts";
export { layernorm } from "./layernorm.ts";
export { rope, ropeTable } from "./rope.ts";
export { attention, type AttentionTuning, type GpuAttentionOptions, MAX_HEAD_DIM } from "./attention.ts";
export { swiglu } from "./swiglu.ts";
export { gelu } from "./gelu.ts";
export { addInPlace } from "./add.ts";
export { embeddingGather } from "./embedding.ts";
export { concatRows } from "./concat_rows.ts";
export { blockChangeSums } from "./block_change.ts";
export {
  activate,
  bonus7,
  decay7InPlace,
  groupNorm,
  keys7,
  mulInPlace,
  type RwkvActivation,
  sigmoidOfSumInPlace,
  timeMaa,
  timeMix,
  tokenShift,
  valueResidual7,
} from "./rwkv_ops.ts";
export { MAX_WKV_HEAD_SIZE, wkv4, wkv5, wkv7 } from "./rwkv_wkv.ts";
