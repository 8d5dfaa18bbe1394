/**
 * Line chart as standalone SVG: the paper's Fig. 2b/5 (perplexity vs number of removed layers,
 * one line per metric) and Fig. 8 (metric value per layer).
 *
 * @module
 */
import { type Axis, linearAxis, logAxis, scale, tickLabelWidth, xAxis, xGrid, yAxis, yGrid } from "./_axes.ts";
import {
  drawLegend,
  drawRefLine,
  layoutLegend,
  type LegendItem,
  lineSwatch,
  marker,
  type RefLine,
  refLineSwatch,
  seriesStyle,
} from "./_style.ts";
import { checkClip, checkSize, PLOT_LIMIT, plottable } from "./_checks.ts";
import { attrs, compact, noteLines, noteText, plural, px, svgDocument, text, titleText } from "./_svg.ts";

/** One line: `y[i]` is drawn at `x[i]`; `null` leaves a gap. */
export interface Series {
  name: string;
  x: number[];
  y: (number | null)[];
  /** Half-widths of error bars, e.g. 1.96 standard errors for a 95% interval (`null`: none). */
  err?: (number | null)[];
}

/** Options for {@link lineChart}. */
export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Log₁₀ y axis (values ≤ 0 are skipped and the note says so). */
  logY?: boolean;
  /** Pixels; defaults 720 × 440. The height grows if the legend and note need room. */
  width?: number;
  height?: number;
  /** Only integer x ticks (layer indices, number of removed layers). */
  xIntegers?: boolean;
  /** Small text under the chart, e.g. "calibration: 12 windows × 256 tokens". */
  note?: string;
  /** Pin the y axis ends; points beyond them are marked ▲/▼ at the edge. */
  yMin?: number;
  yMax?: number;
  /** Labelled horizontal reference lines, e.g. the dense model or chance accuracy. */
  refLines?: RefLine[];
}

/**
 * Series with the same points (and error bars) are drawn once, named "a = b", so a line hidden
 * under another is never mistaken for a missing one.
 */
export function mergeCoincident(series: Series[]): Series[] {
  const key = (s: Series) => JSON.stringify([s.x, s.y, s.err ?? null]);
  const merged: Series[] = [], keys: string[] = [];
  for (const s of series) {
    const k = key(s), at = keys.indexOf(k);
    if (at >= 0) merged[at] = { ...merged[at], name: `${merged[at].name} = ${s.name}` };
    else [merged[merged.length], keys[keys.length]] = [s, k];
  }
  return merged;
}

type Pt = { x: number; y: number } | null;

/**
 * Renders series as lines with markers (and error bars where given). Each series gets its own
 * colour, marker and dash pattern, so the chart reads in greyscale; series with identical points
 * are merged ({@link mergeCoincident}); reference lines are dashed and labelled on the line. The
 * legend sits right of the plot, or below when names are long.
 *
 * @example
 * ```ts
 * const svg = lineChart({
 *   title: "Perplexity after removing layers", xLabel: "removed layers", yLabel: "perplexity",
 *   series: [{ name: "BI", x: [0, 1, 2], y: [5.7, 6.1, 7.4] }], logY: true, xIntegers: true,
 * });
 * ```
 */
export function lineChart(o: LineChartOptions): string {
  const width = checkSize(o.width ?? 720, "width"), height0 = checkSize(o.height ?? 440, "height");
  const logY = o.logY ?? false;
  checkClip(o.yMin, o.yMax, logY);

  // data: drop what cannot be drawn, counting it for the note
  let notFinite = 0, notPositive = 0;
  const xsAll: number[] = [], ys: number[] = [];
  const series = mergeCoincident(o.series);
  const refs = (o.refLines ?? []).filter((r) => plottable(r.value) && (!logY || r.value > 0));
  for (const r of refs) ys.push(r.value);
  const lines: Pt[][] = series.map((s) => {
    if (s.x.length !== s.y.length) {
      throw new Error(
        `Series "${s.name}" has ${s.x.length} x values but ${s.y.length} y values; expected equal lengths`,
      );
    }
    return s.x.map((x, i): Pt => {
      const y = s.y[i];
      if (!plottable(x)) {
        if (y !== null) notFinite++;
        return null;
      }
      xsAll.push(x);
      if (y === null) return null;
      if (!plottable(y)) return notFinite++, null;
      if (logY && y <= 0) return notPositive++, null;
      if (logY && y < 1 / PLOT_LIMIT) return notFinite++, null;
      ys.push(y);
      const e = s.err?.[i];
      if (e != null && plottable(e)) ys.push(y + e, ...(logY && y - e <= 0 ? [] : [y - e]));
      return { x, y };
    });
  });

  // axes
  const noData = lines.every((l) => l.every((p) => p === null));
  let lo = o.yMin ?? (noData ? (logY ? 1 : 0) : Math.min(...ys));
  let hi = o.yMax ?? (noData ? (logY ? 10 : 1) : Math.max(...ys));
  if (hi <= lo && o.yMax !== undefined) lo = logY ? hi / 10 : hi - (Math.abs(hi) || 1);
  if (hi <= lo && o.yMin !== undefined) hi = logY ? lo * 10 : lo + (Math.abs(lo) || 1);
  const yMaxTicks = Math.max(2, Math.floor((height0 - 120) / 45));
  const ya: Axis = logY
    ? logAxis(lo / 1.02, hi * 1.02, o.yMin, o.yMax) // 2 % headroom keeps markers off the frame
    : linearAxis(lo, hi, { maxTicks: yMaxTicks, extend: true, fixedLo: o.yMin, fixedHi: o.yMax });
  const xlo = xsAll.length ? Math.min(...xsAll) : 0, xhi = xsAll.length ? Math.max(...xsAll) : 1;

  // layout: margins from label widths, legend right if it fits in 28% of the width, else below
  const left = 36 + tickLabelWidth(ya);
  const items: LegendItem[] = series.map((s, i) => ({ name: s.name, swatch: lineSwatch(i) }));
  if (series.some((s) => s.err)) {
    items.push({ name: "bars: 95% interval", swatch: (x, y) => errorBar(x + 14, y - 6, y + 6, "#444") });
  }
  refs.forEach((r, i) => items.push({ name: `${r.label} (${compact(r.value)})`, swatch: refLineSwatch(i) }));
  const right0 = layoutLegend(items, "right", 0);
  const legendRight = items.length > 0 && right0.w + 30 <= 0.28 * width;
  const right = legendRight ? right0.w + 30 : 16;
  const legend = legendRight ? right0 : layoutLegend(items, "below", width - left - 16);
  let xa = linearAxis(xlo, xhi, { maxTicks: 10, extend: false, integers: o.xIntegers });
  for (let m = 9; m >= 2 && (tickLabelWidth(xa) + 14) * xa.ticks.length > width - left - right - 20; m--) {
    xa = linearAxis(xlo, xhi, { maxTicks: m, extend: false, integers: o.xIntegers });
  }

  // clipped points (only possible when yMin/yMax pin the axis)
  const T = (v: number) => (logY ? Math.log10(v) : v);
  const tLo = T(ya.lo), tHi = T(ya.hi);
  let above = 0, below = 0;
  for (const l of lines) for (const p of l) if (p) T(p.y) > tHi ? above++ : T(p.y) < tLo ? below++ : 0;

  const remarks: string[] = [];
  if (notFinite) remarks.push(`${plural(notFinite, "point")} not drawn: not finite or out of range (beyond 1e±300).`);
  if (notPositive) remarks.push(`${plural(notPositive, "point")} not drawn: ≤ 0 on a log axis.`);
  if (above) remarks.push(`▲ ${plural(above, "point")} above ${compact(ya.hi)} drawn at the top edge.`);
  if (below) remarks.push(`▼ ${plural(below, "point")} below ${compact(ya.lo)} drawn at the bottom edge.`);
  const notes = noteLines(o.note, remarks, width);
  const top = 42;
  const bottom = 48 + (legendRight || legend.h === 0 ? 0 : legend.h + 10) + (notes.length ? notes.length * 14 + 8 : 0) +
    4;
  const height = Math.max(height0, top + bottom + 140);
  const plot = { x: left, y: top, w: width - left - right, h: height - top - bottom };
  const X = scale(xa, plot.x + 10, plot.x + plot.w - 10), Y = scale(ya, plot.y + plot.h, plot.y);

  const body = [titleText(width, o.title), xGrid(xa, X, plot), yGrid(ya, Y, plot)];
  const clampY = (v: number) => Math.min(Math.max(v, ya.lo), ya.hi);
  refs.forEach((r, i) => {
    const y = Y(clampY(r.value));
    body.push(drawRefLine(i, plot.x, plot.x + plot.w, y, r.label, y < plot.y + 16));
  });
  lines.forEach((pts, i) => {
    const st = seriesStyle(i);
    const err = series[i].err;
    if (err) {
      pts.forEach((p, j) => {
        const e = err[j];
        if (!p || e == null || !plottable(e)) return;
        const lo = logY && p.y - e <= 0 ? ya.lo : clampY(p.y - e);
        body.push(errorBar(X(p.x), Y(clampY(p.y + e)), Y(lo), st.color));
      });
    }
    const d = pathData(pts, T, tLo, tHi, (x, t) => `${px(X(x))},${px(Y(logY ? 10 ** t : t))}`);
    if (d !== "") {
      body.push(`<path${
        attrs({
          d,
          fill: "none",
          stroke: st.color,
          "stroke-width": 2,
          "stroke-linejoin": "round",
          "stroke-dasharray": st.dash || undefined,
        })
      }/>`);
    }
    const every = Math.max(1, Math.ceil(pts.length / 40));
    pts.forEach((p, j) => {
      if (!p) return;
      const t = T(p.y);
      if (t > tHi) body.push(edgeArrow(X(p.x), plot.y, -1, st.color));
      else if (t < tLo) body.push(edgeArrow(X(p.x), plot.y + plot.h, 1, st.color));
      else if (j % every === 0 || isolated(pts, j)) body.push(marker(st.marker, X(p.x), Y(p.y), 3.5, st.color));
    });
  });
  if (noData) {
    body.push(text(plot.x + plot.w / 2, plot.y + plot.h / 2, "no data", { "text-anchor": "middle", fill: "#777" }));
  }
  body.push(yAxis(ya, Y, plot, o.yLabel, 16), xAxis(xa, X, plot, o.xLabel));
  if (legendRight) body.push(drawLegend(legend, plot.x + plot.w + 18, plot.y + 2));
  else if (legend.h) body.push(drawLegend(legend, plot.x, plot.y + plot.h + 50));
  const noteY = height - notes.length * 14 + 6;
  if (notes.length) body.push(noteText(12, noteY, notes));
  return svgDocument(width, height, o.title, body, notes.join(" "));
}

/** A vertical error bar from y1 to y2 (pixels) at x, with short caps. */
function errorBar(x: number, y1: number, y2: number, color: string): string {
  const d = `M${px(x)},${px(y1)}L${px(x)},${px(y2)}M${px(x - 3)},${px(y1)}L${px(x + 3)},${px(y1)}` +
    `M${px(x - 3)},${px(y2)}L${px(x + 3)},${px(y2)}`;
  return `<path${attrs({ d, stroke: color, "stroke-width": 1.2, fill: "none", opacity: 0.8 })}/>`;
}

function isolated(pts: Pt[], j: number): boolean {
  return !pts[j - 1] || !pts[j + 1];
}

/** An arrowhead on the plot edge at x, pointing up (dir −1) or down (dir 1). */
function edgeArrow(x: number, yEdge: number, dir: 1 | -1, color: string): string {
  const base = yEdge - dir * 9;
  const points = `${px(x)},${px(yEdge)} ${px(x - 5)},${px(base)} ${px(x + 5)},${px(base)}`;
  return `<polygon${attrs({ points, fill: color, stroke: "#ffffff", "stroke-width": 0.8 })}/>`;
}

/**
 * SVG path data for a polyline with gaps, clipped to tLo ≤ T(y) ≤ tHi (T = log₁₀ on a log axis).
 * A segment leaving the band ends at the edge; one re-entering starts at the edge.
 */
function pathData(
  pts: Pt[],
  T: (v: number) => number,
  tLo: number,
  tHi: number,
  at: (x: number, t: number) => string,
): string {
  const parts: string[] = [];
  let open = false; // the current subpath ends at pts[i]
  for (let i = 0; i + 1 < pts.length; i++) {
    const a = pts[i], b = pts[i + 1];
    if (!a || !b) {
      open = false;
      continue;
    }
    const c = clipSegment(a.x, T(a.y), b.x, T(b.y), tLo, tHi);
    if (!c) {
      open = false;
      continue;
    }
    const [x1, t1, x2, t2, startClipped, endClipped] = c;
    if (!open || startClipped) parts.push(`M${at(x1, t1)}`);
    parts.push(`L${at(x2, t2)}`);
    open = !endClipped;
  }
  return parts.join("");
}

/** Clips a segment to the band tLo ≤ t ≤ tHi; returns null when it lies entirely outside. */
function clipSegment(
  x1: number,
  t1: number,
  x2: number,
  t2: number,
  tLo: number,
  tHi: number,
): [number, number, number, number, boolean, boolean] | null {
  if ((t1 > tHi && t2 > tHi) || (t1 < tLo && t2 < tLo)) return null;
  const cut = (
    t: number,
    edge: number,
    tOther: number,
    xOther: number,
    x: number,
  ): [number, number] => [x + ((edge - t) / (tOther - t)) * (xOther - x), edge];
  let a: [number, number] = [x1, t1], b: [number, number] = [x2, t2];
  const sc = t1 > tHi || t1 < tLo, ec = t2 > tHi || t2 < tLo;
  if (sc) a = cut(t1, t1 > tHi ? tHi : tLo, t2, x2, x1);
  if (ec) b = cut(t2, t2 > tHi ? tHi : tLo, t1, x1, x2);
  return [a[0], a[1], b[0], b[1], sc, ec];
}
