/**
 * Dispatcher of `kernels/wgsl/rope.wgsl`, rotary position embedding in the `rotate_half`
 * layout. Oracle: `rope` in `kernels/cpu/rope.ts`.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, grid1d } from "./_common.ts";

const WG = 256;

/**
 * Records the rotation of `x` in place: token t at position `pos0 + t`, pair
 * (x[i], x[i + Hd/2]) turned by `pos · invFreq[i]` (angle in f32; see the shader on precision).
 *
 * @param x       [T, H · Hd] queries or keys
 * @param invFreq [Hd/2] from `ropeInvFreq`, uploaded as f32
 * @param scale   factor on cos and sin (`ropeAttentionFactor`; 1 for a pure rotation)
 */
export function rope(
  gpu: Gpu,
  x: GpuTensor,
  T: number,
  H: number,
  Hd: number,
  pos0: number,
  invFreq: GpuTensor,
  scale = 1,
): void {
  if (Hd % 2 !== 0) throw new Error(`rope: head dim ${Hd} is odd`);
  checkLength("rope", "x", x, T * H * Hd);
  checkLength("rope", "invFreq", invFreq, Hd / 2);
  const buffers = [gpu.uniform([T, H, Hd, pos0], [scale]), x.buffer, invFreq.buffer];
  gpu.dispatch(gpu.pipeline("rope", { WG }), buffers, grid1d((T * H * Hd) / 2, WG));
}
