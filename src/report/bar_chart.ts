/**
 * Bar chart as standalone SVG: the paper's Fig. 3 (perplexity with one layer removed, per layer)
 * and Fig. 8 as bars, with the dense model's value as a dashed reference line.
 *
 * @module
 */
import { type Axis, linearAxis, logAxis, niceEvery, scale, tickLabelWidth, yAxis, yGrid } from "./_axes.ts";
import { checkClip, checkSize, PLOT_LIMIT, plottable } from "./_checks.ts";
import { boxSwatch, drawLegend, drawRefLine, layoutLegend, type LegendItem, refLineSwatch } from "./_style.ts";
import { attrs, compact, noteLines, noteText, plural, px, svgDocument, text, textWidth, titleText } from "./_svg.ts";

/** Options for {@link barChart}. */
export interface BarChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** One label per bar (e.g. layer indices "0".."31"). */
  labels: string[];
  values: number[];
  /** A dashed horizontal reference line, e.g. `{ value: 5.68, label: "dense model" }`. */
  baseline?: { value: number; label: string };
  /** Log₁₀ y axis; bars start at the bottom of the axis. Values ≤ 0 are skipped (the note says so). */
  logY?: boolean;
  /** Indices of bars drawn in the highlight colour (e.g. the layers ShortGPT removes). */
  highlight?: number[];
  /** Legend text for highlighted bars, saying why they are (default "highlighted"). */
  highlightLabel?: string;
  /** Legend text for the bars, saying what they measure (no legend entry when absent). */
  barLabel?: string;
  note?: string;
  /** Pixels; defaults 720 × 420. */
  width?: number;
  height?: number;
  /** Pin the top of the y axis; taller bars are cut there and keep their printed value. */
  yMax?: number;
}

const BAR = "#0072B2", HIGHLIGHT = "#E69F00", LABEL_FONT = 10;

/**
 * Renders one bar per label. Values are printed above the bars when they fit (rotated when the
 * bars are narrow); x labels are thinned (numbers) or slanted (text) when crowded.
 *
 * @example
 * ```ts
 * const svg = barChart({
 *   title: "Perplexity with one layer removed", xLabel: "removed layer", yLabel: "perplexity",
 *   labels: ["0", "1", "2"], values: [812, 6.1, 5.9], logY: true,
 *   baseline: { value: 5.68, label: "dense model" }, highlight: [2],
 * });
 * ```
 */
export function barChart(o: BarChartOptions): string {
  const width = checkSize(o.width ?? 720, "width"), height0 = checkSize(o.height ?? 420, "height");
  const logY = o.logY ?? false, n = o.labels.length;
  if (o.values.length !== n) {
    throw new Error(`barChart() got ${n} labels but ${o.values.length} values; expected one value per label`);
  }
  checkClip(undefined, o.yMax, logY);
  const highlight = new Set(o.highlight ?? []);
  for (const i of highlight) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`Highlight index "${i}" is out of range 0..${n - 1}`);
  }

  // data
  let notFinite = 0, notPositive = 0;
  const vals = o.values.map((v) => {
    if (logY && v <= 0) return notPositive++, null;
    if (!plottable(v) || (logY && v < 1 / PLOT_LIMIT)) return notFinite++, null;
    return v;
  });
  const remarks: string[] = [];
  let base = o.baseline;
  if (base && !(plottable(base.value) && (!logY || base.value >= 1 / PLOT_LIMIT))) {
    remarks.push(`Reference line "${base.label}" not drawn: its value ${compact(base.value)} cannot be shown.`);
    base = undefined;
  }
  const finite = vals.filter((v): v is number => v !== null);
  const domain = [...finite, ...(base ? [base.value] : [])];
  let lo = domain.length ? Math.min(...domain) : logY ? 1 : 0;
  let hi = o.yMax ?? (domain.length ? Math.max(...domain) : logY ? 10 : 1);
  if (!logY) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
  if (hi <= lo) lo = logY ? hi / 10 : hi - (Math.abs(hi) || 1);
  const ya: Axis = logY
    ? logAxis(lo / 1.02, hi * 1.02, undefined, o.yMax) // the smallest bar keeps a visible height
    : linearAxis(lo, hi, { maxTicks: Math.max(2, Math.floor((height0 - 130) / 45)), extend: true, fixedHi: o.yMax });

  // x labels: all, thinned to every k-th (numbers), or slanted (text)
  const left = 36 + tickLabelWidth(ya), plotW = width - left - 16, slot = plotW / Math.max(1, n);
  const labels = o.labels.map((l) => ([...l].length > 28 ? [...l].slice(0, 27).join("") + "…" : l));
  const labelW = Math.max(0, ...labels.map((l) => textWidth(l, 11)));
  const numeric = labels.every((l) => /^-?\d+(\.\d+)?$/.test(l));
  let every = 1, slant = false;
  if (labelW + 4 > slot) {
    if (numeric) every = niceEvery((labelW + 8) / slot);
    else [slant, every] = [true, slot < 13 ? niceEvery(13 / slot) : 1];
  }
  const xLabelsH = slant ? labelW * 0.62 + 12 : 18;

  // value labels: horizontal above the bar, vertical when narrow, none when very narrow
  const valueText = vals.map((v) => (v === null ? "" : compact(v)));
  const valueW = Math.max(0, ...valueText.map((s) => textWidth(s, LABEL_FONT)));
  const valueMode = valueW + 2 <= slot ? "horizontal" : slot >= 11 ? "vertical" : "none";
  const room = valueMode === "horizontal" ? 14 : valueMode === "vertical" ? valueW + 6 : 0;
  if (valueMode === "none" && finite.length) remarks.push("Bar values not printed: bars too narrow.");

  // legend and notes below the chart
  const items: LegendItem[] = [];
  if (o.barLabel !== undefined) items.push({ name: o.barLabel, swatch: boxSwatch(BAR) });
  if (highlight.size) items.push({ name: o.highlightLabel ?? "highlighted", swatch: boxSwatch(HIGHLIGHT) });
  if (base) {
    items.push({ name: `${base.label} (${compact(base.value)})`, swatch: refLineSwatch(0) });
  }
  const legend = layoutLegend(items, "below", plotW);
  const above = finite.filter((v) => v > ya.hi).length, below = finite.filter((v) => v < ya.lo).length;
  if (notFinite) remarks.push(`${plural(notFinite, "bar")} not drawn (×): not finite or out of range (beyond 1e±300).`);
  if (notPositive) remarks.push(`${plural(notPositive, "bar")} not drawn (×): ≤ 0 on a log axis.`);
  if (above) {
    remarks.push(`${plural(above, "bar")} above ${compact(ya.hi)} cut at the top (break mark); values printed.`);
  }
  if (below) remarks.push(`${plural(below, "bar")} below the axis not drawn.`);
  const notes = noteLines(o.note, remarks, width);

  const top = 42;
  const bottom = xLabelsH + 26 + (legend.h ? legend.h + 10 : 0) + (notes.length ? notes.length * 14 + 8 : 0) + 6;
  const height = Math.max(height0, top + bottom + 140 + room);
  const plot = { x: left, y: top, w: plotW, h: height - top - bottom };
  const hasNegative = finite.some((v) => v < 0);
  const Y = scale(ya, plot.y + plot.h - (hasNegative ? room : 0), plot.y + room);
  const yBase = Y(logY ? ya.lo : Math.min(Math.max(0, ya.lo), ya.hi));
  const cx = (i: number) => plot.x + (i + 0.5) * slot;
  const barW = Math.max(1, Math.min(slot * 0.76, slot - 1));

  const body = [titleText(width, o.title), yGrid(ya, Y, plot)];
  vals.forEach((v, i) => {
    if (v === null) {
      body.push(`<path${attrs({ d: cross(cx(i), yBase - 6), stroke: "#555", "stroke-width": 1.4 })}/>`);
      return;
    }
    if (v < ya.lo) return;
    const yv = Y(Math.min(v, ya.hi));
    const y0 = Math.min(yv, yBase), h = Math.abs(yBase - yv);
    body.push(
      `<rect${
        attrs({ x: cx(i) - barW / 2, y: y0, width: barW, height: h, fill: highlight.has(i) ? HIGHLIGHT : BAR })
      }/>`,
    );
    if (v > ya.hi) body.push(breakMark(cx(i), yv + 8, barW));
    const up = v >= 0 || logY;
    const ty = up ? y0 - 3 : y0 + h + 3;
    if (valueMode === "horizontal") {
      body.push(
        text(cx(i), up ? ty : ty + 8, valueText[i], { "text-anchor": "middle", "font-size": LABEL_FONT, fill: "#222" }),
      );
    } else if (valueMode === "vertical") {
      body.push(text(cx(i) + 3.5, ty, valueText[i], {
        "text-anchor": up ? "start" : "end",
        "font-size": LABEL_FONT,
        fill: "#222",
        transform: `rotate(-90 ${px(cx(i) + 3.5)} ${px(ty)})`,
      }));
    }
  });
  if (base) {
    const yb = Y(Math.min(Math.max(base.value, ya.lo), ya.hi));
    // Labelled in the legend only: on the line, the label would cover the bars' printed values.
    body.push(drawRefLine(0, plot.x, plot.x + plot.w, yb));
  }
  if (n === 0 || !finite.length) {
    body.push(text(plot.x + plot.w / 2, plot.y + plot.h / 2, "no data", { "text-anchor": "middle", fill: "#777" }));
  }

  // axes
  const yb = plot.y + plot.h;
  body.push(yAxis(ya, Y, plot, o.yLabel, 16));
  body.push(`<line${attrs({ x1: plot.x, y1: yBase, x2: plot.x + plot.w, y2: yBase, stroke: "#333" })}/>`);
  labels.forEach((l, i) => {
    if (i % every !== 0) return;
    body.push(`<line${attrs({ x1: cx(i), y1: yb, x2: cx(i), y2: yb + 4, stroke: "#333" })}/>`);
    body.push(
      slant
        ? text(cx(i) + 3, yb + 12, l, {
          "text-anchor": "end",
          "font-size": 11,
          fill: "#333",
          transform: `rotate(-45 ${px(cx(i) + 3)} ${px(yb + 12)})`,
        })
        : text(cx(i), yb + 16, l, { "text-anchor": "middle", "font-size": 11, fill: "#333" }),
    );
  });
  if (yBase !== yb) body.push(`<line${attrs({ x1: plot.x, y1: yb, x2: plot.x + plot.w, y2: yb, stroke: "#bbb" })}/>`);
  body.push(
    text(plot.x + plot.w / 2, yb + xLabelsH + 18, o.xLabel, { "text-anchor": "middle", "font-size": 12, fill: "#222" }),
  );
  if (legend.h) body.push(drawLegend(legend, plot.x, yb + xLabelsH + 28));
  if (notes.length) body.push(noteText(12, height - notes.length * 14 + 6, notes));
  return svgDocument(width, height, o.title, body, notes.join(" "));
}

/** A small "×" centred at (x, y). */
function cross(x: number, y: number): string {
  return `M${px(x - 3)},${px(y - 3)}L${px(x + 3)},${px(y + 3)}M${px(x - 3)},${px(y + 3)}L${px(x + 3)},${px(y - 3)}`;
}

/** Two white slanted strokes across a bar: "this bar is cut". */
function breakMark(x: number, y: number, w: number): string {
  const d = `M${px(x - w / 2 - 1)},${px(y + 2)}L${px(x + w / 2 + 1)},${px(y - 2)}` +
    `M${px(x - w / 2 - 1)},${px(y + 6)}L${px(x + w / 2 + 1)},${px(y + 2)}`;
  return `<path${attrs({ d, stroke: "#ffffff", "stroke-width": 2 })}/>`;
}
