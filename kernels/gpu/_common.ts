/**
 * Helpers shared by the dispatchers (internal): workgroup grids and argument checks.
 *
 * @module
 */
import type { GpuTensor } from "./device.ts";

/** Most workgroups WebGPU guarantees along one dispatch dimension. */
const MAX_GROUPS_PER_DIM = 65535;

/**
 * Workgroup counts covering `n` items at `wg` per workgroup: `[x]`, or `[x, y]` with
 * `x = 65535` when more are needed. Shaders recover the index as `(wid.y · nwg.x + wid.x) · WG + lid`.
 */
export function grid1d(n: number, wg: number): [number, number] {
  const groups = Math.max(1, Math.ceil(n / wg));
  if (groups <= MAX_GROUPS_PER_DIM) return [groups, 1];
  return [MAX_GROUPS_PER_DIM, Math.ceil(groups / MAX_GROUPS_PER_DIM)];
}

/** Throws unless tensor `t` (argument `name` of `kernel`) holds at least `n` values. */
export function checkLength(kernel: string, name: string, t: GpuTensor, n: number): void {
  if (t.length < n) throw new Error(`${kernel}: ${name} holds ${t.length} values, expected at least ${n}`);
}

/** Throws unless `count` fits in one dispatch dimension (one workgroup per row, say). */
export function checkGroups(kernel: string, what: string, count: number): void {
  if (count > MAX_GROUPS_PER_DIM) {
    throw new Error(
      `${kernel}: ${count} ${what} exceed the ${MAX_GROUPS_PER_DIM} workgroups of one dispatch dimension`,
    );
  }
}

/**
 * Throws when a tensor the kernel writes (`written`) is also bound as another argument: WebGPU
 * refuses a buffer bound twice when one binding is writable. Read-only inputs may coincide.
 */
export function checkNoAlias(
  kernel: string,
  written: Record<string, GpuTensor>,
  read: Record<string, GpuTensor | undefined>,
): void {
  const all = Object.entries({ ...written, ...read });
  for (const [w, t] of Object.entries(written)) {
    for (const [name, u] of all) {
      if (name !== w && u?.buffer === t.buffer) throw new Error(`${kernel}: ${w} and ${name} are the same tensor`);
    }
  }
}
