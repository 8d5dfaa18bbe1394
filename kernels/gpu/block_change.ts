/**
 * Dispatcher of `kernels/wgsl/block_change_rows.wgsl` and `kernels/wgsl/block_change_sum.wgsl`:
 * the sums behind Block Influence and Relative Magnitude, computed on the GPU so that only two
 * numbers per block come back instead of X_i and X_{i+1}. Oracle: `blockChangeSums` in
 * `kernels/cpu/block_change.ts`.
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkGroups, checkLength, checkNoAlias } from "./_common.ts";

/**
 * Records `out[2·slot] = Σ_t (1 − cos(x[t], y[t]))` (cos = 0.5 when a norm is 0) and
 * `out[2·slot + 1] = Σ_t ‖y[t] − x[t]‖ / ‖y[t]‖` (0 when ‖y[t]‖ = 0); the rest of `out` is
 * untouched. Two dispatches: one workgroup of `wg` threads per row writes the row's two terms to a
 * scratch [T, 2] tensor, then one workgroup of `wgSum` threads adds them up (both powers of two).
 * Non-finite values in x or y, and squares that overflow f32, give non-finite sums.
 *
 * @param out  at least 2·slot + 2 values, e.g. [L, 2] with one slot per block
 * @param x    [T, D] hidden states entering the block (X_i); T ≤ 65535
 * @param y    [T, D] hidden states leaving it (X_{i+1})
 * @param slot which pair of `out` to set
 */
export function blockChangeSums(
  gpu: Gpu,
  out: GpuTensor,
  x: GpuTensor,
  y: GpuTensor,
  T: number,
  D: number,
  slot: number,
  { wg = 256, wgSum = 256 }: { wg?: number; wgSum?: number } = {},
): void {
  checkLength("blockChangeSums", "x", x, T * D);
  checkLength("blockChangeSums", "y", y, T * D);
  checkLength("blockChangeSums", "out", out, 2 * slot + 2);
  checkGroups("blockChangeSums", "rows", T);
  checkNoAlias("blockChangeSums", { out }, { x, y });
  const scratch = gpu.tensor(2 * T);
  if (T > 0) {
    gpu.dispatch(gpu.pipeline("block_change_rows", { WG: wg }), [
      gpu.uniform([T, D]),
      x.buffer,
      y.buffer,
      scratch.buffer,
    ], [T]);
  }
  gpu.dispatch(gpu.pipeline("block_change_sum", { WG: wgSum }), [gpu.uniform([T, slot]), scratch.buffer, out.buffer], [
    1,
  ]);
  // Safe at once: a later tensor that takes this buffer is written by commands recorded after
  // these two, and the queue runs them in order (kernels/gpu/_pool.ts).
  gpu.release(scratch);
}
