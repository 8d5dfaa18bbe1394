/**
 * The CPU backend: {@link Ops} on Float32Arrays, each op one call of a kernel in
 * `kernels/cpu/`. This is the oracle every other backend is tested against.
 *
 * `linear` runs the WebAssembly SIMD matmul (kernels/cpu/matmul_wasm.ts; {@link setMatmulKernel}
 * picks the plain JavaScript one), which gives the same bits as the JavaScript kernel and
 * `matmulNaive`; `setPrecision("fast")` switches it to float32 sums (kernels/cpu/matmul_fast.ts,
 * docs/performance.md "Precision"), and SwiGLU to float32 SIMD (kernels/cpu/swiglu_fast.ts). `linear` and `attention` run on several threads when the work is big enough
 * ({@link setThreads}; the default is one per core, at most 8): columns of the matmul, or heads of the
 * attention, are shared out between the main thread and worker threads, each computed by the same
 * loop as on one thread, so the result is the same bits whatever the thread count
 * (src/backend/_cpu_pool.ts). Attention uses `attentionBlocked`, which gives the same bits as
 * `attention` (kernels/cpu/attention_blocked.ts). The workers read the weights where they are,
 * so weights live in SharedArrayBuffers: `upload` copies an array into one (once, at load time)
 * unless it is already there.
 *
 * @module
 */
import { gptqLinear } from "../../kernels/cpu/gptq.ts";
import { addInPlace } from "../../kernels/cpu/residual.ts";
import { blockChangeSums } from "../../kernels/cpu/block_change.ts";
import { anyNonFinite } from "../../kernels/cpu/nonfinite.ts";
import { embeddingGather } from "../../kernels/cpu/embedding.ts";
import { layernorm } from "../../kernels/cpu/layernorm.ts";
import { rmsnorm } from "../../kernels/cpu/rmsnorm.ts";
import { rope } from "../../kernels/cpu/rope.ts";
import { swiglu } from "../../kernels/cpu/activations.ts";
import { swigluFast } from "../../kernels/cpu/swiglu_fast.ts";
import type { Ops } from "./ops.ts";
import { cpuRwkv } from "./rwkv_cpu.ts";
import { attentionThreaded, getPrecision, matmulThreaded, sharedCopy } from "./_cpu_pool.ts";

export {
  getMatmulKernel,
  getPrecision,
  getThreads,
  type MatmulKernel,
  type Precision,
  setMatmulKernel,
  setPrecision,
  setThreads,
  stopWorkers,
} from "./_cpu_pool.ts";

/** The CPU implementation of {@link Ops}. */
export const cpu: Ops<Float32Array> = {
  name: "cpu",
  upload: (data) => sharedCopy(data),
  read: (a) => Promise.resolve(a),
  embed(table, ids, D) {
    const out = new Float32Array(ids.length * D);
    embeddingGather(out, table, ids, D);
    return out;
  },
  linear(x, w, T, K, N, bias) {
    const out = new Float32Array(T * N);
    matmulThreaded(out, x, w, T, K, N, bias);
    return out;
  },
  uploadGptq: (gptq) => ({ gptq }),
  linearGptq(x, w, T, bias) {
    const out = new Float32Array(T * w.gptq.N);
    gptqLinear(out, x, w.gptq, T, bias);
    return out;
  },
  rmsnorm(x, weight, T, D, eps) {
    const out = new Float32Array(T * D);
    rmsnorm(out, x, weight, T, D, eps);
    return out;
  },
  layernorm(x, weight, bias, T, D, eps) {
    const out = new Float32Array(T * D);
    layernorm(out, x, weight, bias, T, D, eps);
    return out;
  },
  rope: (x, T, H, Hd, pos0, invFreq, scale) => rope(x, T, H, Hd, pos0, invFreq, scale),
  attention(q, k, v, Tq, Tk, H, Hkv, Hd, opts) {
    const out = new Float32Array(Tq * H * Hd);
    attentionThreaded(out, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
    return out;
  },
  swiglu(gate, up, n) {
    const out = new Float32Array(n);
    (getPrecision() === "fast" ? swigluFast : swiglu)(out, gate, up, n); // fast: float32 SIMD
    return out;
  },
  addInPlace: (x, y, n) => addInPlace(x, y, n),
  concatRows(a, b, Ta, Tb, C) {
    const out = new Float32Array((Ta + Tb) * C);
    out.set(a.subarray(0, Ta * C));
    out.set(b.subarray(0, Tb * C), Ta * C);
    return out;
  },
  changeSums: (x, y, T, D, out, slot) => blockChangeSums(out, x, y, T, D, slot),
  anyNonFinite(x, n) {
    const out = new Float32Array(1);
    anyNonFinite(out, x, n);
    return out;
  },
  rwkv: cpuRwkv,
};
