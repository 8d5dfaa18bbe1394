/**
 * Dispatcher of `kernels/wgsl/attention.wgsl`: causal attention with grouped-query heads,
 * an online softmax, optional ALiBi slopes and sliding window. Oracle: `attentionNaive` in
 * `kernels/cpu/attention.ts`.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkGroups, checkLength, checkNoAlias } from "./_common.ts";

/** The shader's largest head dim (its `MAX_HD`). */
export const MAX_HEAD_DIM = 128;

/** Options of {@link attention}: as the CPU kernel's, slopes on the GPU. */
export interface GpuAttentionOptions {
  /** [H] ALiBi slopes: score(p, j) += slope_h · (j - p). */
  alibiSlopes?: GpuTensor;
  /** Sliding window: query position p sees keys j with p - window < j ≤ p. */
  window?: number;
}

/**
 * Why the shader cannot take head dim `Hd`, or null. The CPU backend can: a backend reports
 * this to the user before dispatching; {@link attention} asserts it.
 */
export function attentionHeadDimProblem(Hd: number): string | null {
  return Hd > MAX_HEAD_DIM
    ? `Head dim ${Hd} exceeds the ${MAX_HEAD_DIM} of the WebGPU attention kernel; use --backend cpu`
    : null;
}

/** Query rows per workgroup (the shader's `WG`). */
export interface AttentionTuning {
  wg?: number;
}

/**
 * Records `out[i, h] = Σ_j softmax_j(q[i, h] · k[j, g] / √Hd + alibi) · v[j, g]` over the keys
 * visible from position `Tk - Tq + i`, `g = floor(h / (H / Hkv))`.
 *
 * @param out [Tq, H · Hd] result
 * @param q   [Tq, H · Hd] queries (after RoPE)
 * @param k   [Tk, Hkv · Hd] keys of positions 0..Tk-1
 * @param v   [Tk, Hkv · Hd] values
 */
export function attention(
  gpu: Gpu,
  out: GpuTensor,
  q: GpuTensor,
  k: GpuTensor,
  v: GpuTensor,
  Tq: number,
  Tk: number,
  H: number,
  Hkv: number,
  Hd: number,
  opts: GpuAttentionOptions = {},
  tuning: AttentionTuning = {},
): void {
  if (H % Hkv !== 0) throw new Error(`attention: H=${H} query heads is not a multiple of Hkv=${Hkv} kv heads`);
  if (Tq > Tk) throw new Error(`attention: Tq=${Tq} queries but only Tk=${Tk} keys; queries are the last Tq keys`);
  const problem = attentionHeadDimProblem(Hd);
  if (problem !== null) throw new Error(problem);
  if (opts.window !== undefined && !(Number.isInteger(opts.window) && opts.window >= 1)) {
    throw new Error(`attention: window ${opts.window} is not a positive integer`);
  }
  checkLength("attention", "q", q, Tq * H * Hd);
  checkLength("attention", "k", k, Tk * Hkv * Hd);
  checkLength("attention", "v", v, Tk * Hkv * Hd);
  checkLength("attention", "out", out, Tq * H * Hd);
  if (opts.alibiSlopes) checkLength("attention", "alibiSlopes", opts.alibiSlopes, H);
  checkGroups("attention", "heads", H);

  const wg = tuning.wg ?? 64;
  const uniform = gpu.uniform([Tq, Tk, H, Hkv, Hd, opts.window ?? 0, opts.alibiSlopes ? 1 : 0]);
  const slopes = opts.alibiSlopes?.buffer ?? gpu.placeholder;
  const pipeline = gpu.pipeline("attention", { WG: wg });
  checkNoAlias("attention", { out }, { q, k, v, alibiSlopes: opts.alibiSlopes });
  gpu.dispatch(pipeline, [uniform, q.buffer, k.buffer, v.buffer, slopes, out.buffer], [Math.ceil(Tq / wg), H]);
}
