/**
 * `concatRows`: the rows of `a` followed by the rows of `b` (the key/value cache grows this
 * way). No shader: two buffer-to-buffer copies recorded in the command stream, in order with
 * the dispatches around them. Oracle: `concatRows` of `src/backend/cpu.ts` (two `set` calls).
 *
 * @module
 */
import type { Gpu, GpuTensor } from "./device.ts";
import { checkLength, checkNoAlias } from "./_common.ts";

/**
 * Records `out = [a; b]`.
 *
 * @param out [Ta + Tb, C] result
 * @param a   [Ta, C]
 * @param b   [Tb, C]
 */
export function concatRows(
  gpu: Gpu,
  out: GpuTensor,
  a: GpuTensor,
  b: GpuTensor,
  Ta: number,
  Tb: number,
  C: number,
): void {
  checkLength("concatRows", "a", a, Ta * C);
  checkLength("concatRows", "b", b, Tb * C);
  checkLength("concatRows", "out", out, (Ta + Tb) * C);
  checkNoAlias("concatRows", { out }, { a, b });
  if (Ta > 0) gpu.copy(a.buffer, 0, out.buffer, 0, Ta * C * 4);
  if (Tb > 0) gpu.copy(b.buffer, 0, out.buffer, Ta * C * 4, Tb * C * 4);
}
