/**
 * Input checks shared by the charts: which values can be drawn, and option validation with
 * messages that quote the offending value. Internal.
 *
 * @module
 */

/** Values beyond this magnitude are not drawn: pixel arithmetic on them could overflow. */
export const PLOT_LIMIT = 1e300;

/** Finite and small enough for pixel arithmetic. */
export function plottable(v: number): boolean {
  return Number.isFinite(v) && Math.abs(v) <= PLOT_LIMIT;
}

/** Validates a width or height in pixels. */
export function checkSize(v: number, name: string): number {
  if (!Number.isFinite(v) || v < 160 || v > 20000) {
    throw new Error(`Chart ${name} "${v}" is out of range; expected 160..20000 pixels`);
  }
  return v;
}

/** Validates `yMin`/`yMax`: finite, positive on a log axis, yMin < yMax. */
export function checkClip(yMin: number | undefined, yMax: number | undefined, logY: boolean): void {
  for (const [name, v] of [["yMin", yMin], ["yMax", yMax]] as const) {
    if (v === undefined) continue;
    if (!plottable(v)) throw new Error(`${name} "${v}" is not a finite number`);
    if (logY && v <= 0) throw new Error(`${name} "${v}" must be > 0 on a log axis`);
  }
  if (yMin !== undefined && yMax !== undefined && !(yMin < yMax)) {
    throw new Error(`yMin "${yMin}" must be below yMax "${yMax}"`);
  }
}
