/**
 * Dispatcher of `kernels/wgsl/rope.wgsl`, rotary position embedding in the `rotate_half`
 * layout. Oracle: `rope` in `kernels/cpu/rope.ts`.
 *
 * The cosines and sines come from {@link ropeTable}, formed in float64 on the host as the oracle
 * forms them: WGSL's own `sin` and `cos` are promised to 2^-11 only, and SwiftShader's are
 * 1.9e-4 off (docs/browser.md "WebGPU in Chromium").
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, grid1d } from "./_common.ts";

const WG = 256;

/**
 * `[T, Hd/2, 2]`: `scale · cos a` and `scale · sin a` of the angle `a = (pos0 + t) · invFreq[i]`,
 * all in float64 (as `rope` in kernels/cpu/rope.ts), rounded to f32.
 *
 * @param invFreq [Hd/2] from `ropeInvFreq`
 * @param scale   factor on cos and sin (`ropeAttentionFactor`; 1 for a pure rotation)
 */
export function ropeTable(T: number, Hd: number, pos0: number, invFreq: Float64Array, scale = 1): Float32Array {
  const half = Hd / 2;
  const out = new Float32Array(T * half * 2);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = (pos0 + t) * invFreq[i];
      out[2 * (t * half + i)] = scale * Math.cos(angle);
      out[2 * (t * half + i) + 1] = scale * Math.sin(angle);
    }
  }
  return out;
}

/**
 * Records the rotation of `x` in place: token t, pair (x[i], x[i + Hd/2]) turned by the cosine
 * and sine `cosSin[t, i]` ({@link ropeTable}).
 *
 * @param x      [T, H · Hd] queries or keys
 * @param cosSin [T, Hd/2, 2] from {@link ropeTable}, uploaded
 */
export function rope(gpu: Gpu, x: GpuTensor, T: number, H: number, Hd: number, cosSin: GpuTensor): void {
  if (Hd % 2 !== 0) throw new Error(`rope: head dim ${Hd} is odd`);
  checkLength("rope", "x", x, T * H * Hd);
  checkLength("rope", "cosSin", cosSin, T * Hd);
  const buffers = [gpu.uniform([T, H, Hd]), x.buffer, cosSin.buffer];
  gpu.dispatch(gpu.pipeline("rope", { WG }), buffers, grid1d((T * H * Hd) / 2, WG));
}
