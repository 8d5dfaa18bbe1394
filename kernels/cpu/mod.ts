/**
 * CPU tensor kernels: small free functions over row-major Float32Arrays, output first.
 * Dimension legend: T tokens, D hidden, H query heads, Hkv kv heads, Hd head dim, F ffn, V vocab.
 *
 * @example
 * ```ts
 * import { matmul, rmsnorm } from "./mod.ts";
 * const x = new Float32Array([3, 4]); // [T=1, D=2]
 * rmsnorm(x, x, new Float32Array([1, 1]), 1, 2, 1e-6); // x ← x / rms(x)
 * const y = new Float32Array(1); // [T=1, N=1]
 * matmul(y, x, new Float32Array([1, 1]), 1, 2, 1); // y = x · [1, 1]ᵀ
 * ```
 *
 * @module
 */
export { matmul, MATMUL_PANEL, matmulBlock, matmulColumns, matmulNaive } from "./matmul.ts";
export { matmulWasm, WasmMatmul, wasmSimdAvailable } from "./matmul_wasm.ts";
export { FastMatmul, type FastMultiplyAdd, matmulFast, matmulFastNaive, relaxedSimdAvailable } from "./matmul_fast.ts";
export { rmsnorm } from "./rmsnorm.ts";
export { layernorm } from "./layernorm.ts";
export { rope, ropeInvFreq, type RopeScaling } from "./rope.ts";
export { softmax } from "./softmax.ts";
export { attention, attentionNaive, type AttentionOptions } from "./attention.ts";
export { attentionBlocked, attentionHeads } from "./attention_blocked.ts";
export { erf, gelu, geluTanh, silu, swiglu } from "./activations.ts";
export { embeddingGather } from "./embedding.ts";
export { addInPlace } from "./residual.ts";
export { alibiSlopes } from "./alibi.ts";
export { blockChangeSums, blockChangeSumsNaive } from "./block_change.ts";
export {
  dequantizeGptqNaive,
  dequantizeGptqRows,
  type GptqLinear,
  gptqLinear,
  gptqLinearNaive,
  packCodes,
  packedWords,
  unpackCode,
} from "./gptq.ts";
export {
  cholesky,
  dequantizeCodes,
  gptqQuantize,
  packGptq,
  type QuantizedLinear,
  type QuantizeOptions,
  roundHalfEven,
  rtnQuantize,
} from "./gptq_quantize.ts";
