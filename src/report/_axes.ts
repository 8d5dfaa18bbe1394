/**
 * Axes: "nice" tick positions (1-2-5 steps on a linear axis, decades with minor 2..9 on a log
 * axis), their labels, value → pixel scales, and the SVG for grid lines, ticks and axis labels.
 * Internal.
 *
 * @module
 */
import { attrs, esc, expForm, minus, px, type Rect, text, textWidth } from "./_svg.ts";

/** One tick. `label` undefined means an unlabelled minor tick; `sup` is a superscript (10^sup). */
export interface Tick {
  v: number;
  label?: string;
  sup?: string;
  major: boolean;
}

/** A resolved axis: the domain [lo, hi] drawn edge to edge, and its ticks. */
export interface Axis {
  lo: number;
  hi: number;
  log: boolean;
  ticks: Tick[];
}

/** Exact powers of ten (`10 ** -5` is not exact in floating point; `1e-5` is). */
export function pow10(e: number): number {
  return Number(`1e${e}`);
}

/** The smallest step m·10^k (m ∈ {1, 2, 5}) that covers `span` in at most `maxTicks` intervals. */
export function niceStep(span: number, maxTicks: number): number {
  const raw = span / Math.max(1, maxTicks);
  const mag = pow10(Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5]) if (m * mag >= raw * (1 - 1e-9)) return m * mag;
  return 10 * mag;
}

/** Smallest k in 1, 2, 5, 10, 20, ... with k ≥ r: show every k-th label of a crowded axis. */
export function niceEvery(r: number): number {
  return r <= 1 ? 1 : niceStep(r, 1);
}

/**
 * Tick values on a linear axis with 1-2-5 steps. `extend` widens [min, max] outwards to whole
 * steps (for a value axis); without it the ticks stay inside [min, max] (for a layer axis).
 * Equal or nearly equal ends are padded so the axis never collapses.
 *
 * @example
 * ```ts
 * niceTicks(0, 7.3, { maxTicks: 5 }).ticks; // [0, 2, 4, 6, 8]
 * ```
 */
export function niceTicks(
  min: number,
  max: number,
  { maxTicks = 6, extend = true, integers = false }: { maxTicks?: number; extend?: boolean; integers?: boolean } = {},
): { lo: number; hi: number; step: number; ticks: number[] } {
  if (min > max) [min, max] = [max, min];
  const mag = Math.max(Math.abs(min), Math.abs(max));
  if (max - min <= 1e-12 * mag || max - min < 1e-290) { // equal ends, or a span too small for 1-2-5 steps
    const d = integers ? Math.max(1, Math.round(mag * 0.1)) : mag > 1e-290 ? mag * 0.1 : 1;
    min -= d;
    max += d;
  }
  let step = niceStep(max - min, maxTicks);
  if (integers) step = Math.max(1, step);
  let i0 = extend ? Math.floor(min / step) : Math.ceil(min / step - 1e-9);
  let i1 = extend ? Math.ceil(max / step) : Math.floor(max / step + 1e-9);
  if (extend) { // min / step can underflow to −0 for subnormal min
    if (i0 * step > min) i0--;
    if (i1 * step < max) i1++;
  }
  const ticks: number[] = [];
  for (let i = i0; i <= i1 && ticks.length < 100; i++) ticks.push(tidy(i * step));
  return { lo: extend ? tidy(i0 * step) : min, hi: extend ? tidy(i1 * step) : max, step, ticks };
}

/** Removes floating-point dust (0.30000000000000004 → 0.3) and negative zero. */
function tidy(v: number): number {
  const r = Number(v.toPrecision(12));
  return r === 0 ? 0 : r;
}

/** Label for a tick on a linear axis with this step: fixed decimals, or `2.5e5` on huge/tiny axes. */
export function formatTick(v: number, step: number, maxAbs: number): string {
  if (v === 0) return "0";
  const k = Math.floor(Math.log10(step) + 1e-9); // step = m · 10^k
  if (maxAbs >= 1e5 || maxAbs < 1e-3) return minus(expForm(v, Math.floor(Math.log10(Math.abs(v)) + 1e-9) - k));
  return minus(v.toFixed(Math.min(20, Math.max(0, -k))));
}

/** A linear axis over [min, max]; `fixedLo`/`fixedHi` pin an end (e.g. `yMax` clipping). */
export function linearAxis(
  min: number,
  max: number,
  o: { maxTicks: number; extend: boolean; integers?: boolean; fixedLo?: number; fixedHi?: number },
): Axis {
  const t = niceTicks(min, max, o);
  const lo = o.fixedLo ?? t.lo, hi = o.fixedHi ?? t.hi;
  const eps = (hi - lo) * 1e-9;
  const maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
  const ticks = t.ticks
    .filter((v) => v >= lo - eps && v <= hi + eps)
    .map((v) => ({ v, label: formatTick(v, t.step, maxAbs), major: true }));
  return { lo, hi, log: false, ticks };
}

/** The decade e with 10^e ≤ v < 10^(e+1), robust to Math.log10 rounding. */
function decadeOf(v: number): number {
  let e = Math.floor(Math.log10(v));
  if (pow10(e + 1) <= v) e++;
  if (pow10(e) > v) e--;
  return e;
}

/** Largest value m·10^e (m ∈ 1..9) that is ≤ v. */
function gridFloor(v: number): number {
  const e = decadeOf(v);
  for (let m = 9; m > 1; m--) if (tidy(m * pow10(e)) <= v) return tidy(m * pow10(e));
  return pow10(e);
}

/** Smallest value m·10^e (m ∈ 1..10) that is ≥ v. */
function gridCeil(v: number): number {
  const e = decadeOf(v);
  for (let m = 1; m < 10; m++) if (tidy(m * pow10(e)) >= v) return tidy(m * pow10(e));
  return pow10(e + 1);
}

/** Largest value m·10^e (m ∈ 1, 2, 5) that is ≤ v. */
function floor125(v: number): number {
  const e = decadeOf(v);
  for (const m of [5, 2]) if (tidy(m * pow10(e)) <= v) return tidy(m * pow10(e));
  return pow10(e);
}

/** Smallest value m·10^e (m ∈ 1, 2, 5, 10) that is ≥ v. */
function ceil125(v: number): number {
  const e = decadeOf(v);
  for (const m of [1, 2, 5]) if (tidy(m * pow10(e)) >= v) return tidy(m * pow10(e));
  return pow10(e + 1);
}

/** Smallest power of ten that is ≥ v. */
function ceilDecade(v: number): number {
  const e = decadeOf(v);
  return pow10(e) >= v ? pow10(e) : pow10(e + 1);
}

/** Label for 10^e: plain digits between 0.001 and 10 000, else "10" with superscript e. */
function decadeLabel(e: number): { label: string; sup?: string } {
  return e >= -3 && e <= 4 ? { label: String(pow10(e)) } : { label: "10", sup: minus(String(e)) };
}

/**
 * A log₁₀ axis over [min, max] (both > 0) whose labelled ticks cover the data: under 0.8 of a
 * decade the ends snap to the 1..9 × 10^e grid and every tick is labelled; up to 3 decades the
 * ends snap to the 1-2-5 grid and 1×, 2× and 5× are labelled (so 3.5..150 reads 2, 5, 10, 20,
 * 50, 100, 200); beyond that the ends snap to decades and decades are labelled (every k-th when
 * there are many). Minor ticks sit at 2..9 × 10^e when there are at most 6 decades.
 *
 * @example
 * ```ts
 * logAxis(1, 1e6).ticks.filter((t) => t.label !== undefined).map((t) => t.v); // 1, 10, ..., 1e6
 * ```
 */
export function logAxis(min: number, max: number, fixedLo?: number, fixedHi?: number): Axis {
  // Keep every decade finite: 10^±300 leaves room for the grid above and below.
  const c = (v: number) => Math.min(1e300, Math.max(1e-300, Number.isFinite(v) ? v : 1));
  [min, max] = [c(min), c(max)];
  if (fixedLo !== undefined) fixedLo = c(fixedLo);
  if (fixedHi !== undefined) fixedHi = c(fixedHi);
  let lo = fixedLo ?? gridFloor(min), hi = fixedHi ?? gridCeil(max);
  if (!(hi > lo)) [lo, hi] = [gridFloor(lo * 0.9), gridCeil(hi * 1.1)];
  const span = Math.log10(hi / lo);
  const labels125 = span >= 0.8 && span <= 3;
  if (labels125) [lo, hi] = [fixedLo ?? floor125(lo), fixedHi ?? ceil125(hi)];
  else if (span > 3) [lo, hi] = [fixedLo ?? pow10(decadeOf(lo)), fixedHi ?? ceilDecade(hi)];
  const decades = Math.log10(hi / lo);
  const e0 = Math.floor(Math.log10(lo)) - 1, e1 = Math.ceil(Math.log10(hi)) + 1;
  const every = Math.max(1, Math.ceil((e1 - e0 - 2) / 8));
  const ticks: Tick[] = [];
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  for (let e = e0; e <= e1; e++) {
    for (let m = 1; m <= 9; m++) {
      const v = tidy(m * pow10(e));
      if (!inside(v)) continue;
      if (m === 1) {
        ticks.push(e % every === 0 ? { v, ...decadeLabel(e), major: true } : { v, major: true });
      } else if (decades <= 6) {
        const labelled = !labels125 && decades < 0.8 || (labels125 && (m === 2 || m === 5));
        ticks.push(labelled ? { v, label: expOrPlain(v), major: false } : { v, major: false });
      }
    }
  }
  if (ticks.filter((t) => t.label !== undefined).length < 2) {
    for (const v of [lo, hi]) {
      const t = ticks.find((t) => t.v === v);
      if (t) t.label ??= expOrPlain(v);
      else ticks.push({ v, label: expOrPlain(v), major: true });
    }
    ticks.sort((a, b) => a.v - b.v);
  }
  return { lo, hi, log: true, ticks };
}

function expOrPlain(v: number): string {
  return v >= 1e5 || v < 1e-3 ? minus(expForm(v, 6)) : String(v);
}

/** Maps a value to pixels: `lo` → `from`, `hi` → `to` (log₁₀ on a log axis). */
export function scale(axis: Axis, from: number, to: number): (v: number) => number {
  const f = axis.log ? Math.log10 : (v: number) => v;
  const a = f(axis.lo), b = f(axis.hi);
  return (v) => from + ((f(v) - a) / (b - a)) * (to - from);
}

/** Widest tick label of an axis in pixels at 11 px. */
export function tickLabelWidth(axis: Axis): number {
  let w = 0;
  for (const t of axis.ticks) {
    if (t.label !== undefined) w = Math.max(w, textWidth(t.label, 11) + (t.sup ? textWidth(t.sup, 8) : 0));
  }
  return w;
}

function tickLabel(x: number, y: number, t: Tick, anchor: string): string {
  const sup = t.sup === undefined ? "" : `<tspan dy="-5" font-size="8">${esc(t.sup)}</tspan>`;
  return `<text${attrs({ x, y, "text-anchor": anchor, "font-size": 11, fill: "#333" })}>${
    esc(t.label ?? "")
  }${sup}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra = ""): string {
  return `<line${attrs({ x1, y1, x2, y2, stroke })}${extra}/>`;
}

/** Horizontal grid lines for a y axis (drawn under the data). */
export function yGrid(axis: Axis, y: (v: number) => number, plot: Rect): string {
  const out: string[] = [];
  for (const t of axis.ticks) {
    if (!t.major && !(axis.log && Math.log10(axis.hi / axis.lo) <= 3)) continue;
    out.push(line(plot.x, y(t.v), plot.x + plot.w, y(t.v), t.major ? "#e3e3e3" : "#f2f2f2"));
  }
  return out.join("\n");
}

/** Vertical grid lines for an x axis. */
export function xGrid(axis: Axis, x: (v: number) => number, plot: Rect): string {
  return axis.ticks.map((t) => line(x(t.v), plot.y, x(t.v), plot.y + plot.h, "#ececec")).join("\n");
}

/** Left axis line, ticks, tick labels and the rotated axis label (centred at x = `labelX`). */
export function yAxis(axis: Axis, y: (v: number) => number, plot: Rect, label: string, labelX: number): string {
  const out = [line(plot.x, plot.y, plot.x, plot.y + plot.h, "#333")];
  for (const t of axis.ticks) {
    out.push(line(plot.x - (t.major ? 5 : 3), y(t.v), plot.x, y(t.v), "#333"));
    if (t.label !== undefined) out.push(tickLabel(plot.x - 8, y(t.v) + 4, t, "end"));
  }
  const cy = plot.y + plot.h / 2;
  out.push(text(labelX, cy, label, {
    "text-anchor": "middle",
    "font-size": 12,
    fill: "#222",
    transform: `rotate(-90 ${px(labelX)} ${px(cy)})`,
  }));
  return out.join("\n");
}

/** Bottom axis line, ticks, tick labels and the axis label below them. */
export function xAxis(axis: Axis, x: (v: number) => number, plot: Rect, label: string): string {
  const yb = plot.y + plot.h;
  const out = [line(plot.x, yb, plot.x + plot.w, yb, "#333")];
  for (const t of axis.ticks) {
    out.push(line(x(t.v), yb, x(t.v), yb + 5, "#333"));
    if (t.label !== undefined) out.push(tickLabel(x(t.v), yb + 18, t, "middle"));
  }
  out.push(text(plot.x + plot.w / 2, yb + 38, label, { "text-anchor": "middle", "font-size": 12, fill: "#222" }));
  return out.join("\n");
}
