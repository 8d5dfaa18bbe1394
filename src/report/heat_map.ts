/**
 * Heat map as standalone SVG: the paper's Fig. 6 (perplexity with one attention head removed,
 * layers × heads), coloured with viridis and a colour bar.
 *
 * @module
 */
import { type Axis, linearAxis, logAxis, niceEvery, scale, tickLabelWidth } from "./_axes.ts";
import { PLOT_LIMIT, plottable } from "./_checks.ts";
import { textColorOn, VIRIDIS, viridis } from "./_style.ts";
import {
  attrs,
  compact,
  esc,
  hashId,
  noteLines,
  noteText,
  plural,
  px,
  svgDocument,
  text,
  textWidth,
  titleText,
} from "./_svg.ts";

/** Options for {@link heatMap}. */
export interface HeatMapOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Column labels (e.g. head indices), left to right. */
  xLabels: string[];
  /** Row labels (e.g. layer indices), top to bottom. */
  yLabels: string[];
  /** `values[row][col]`; `null` (or a non-finite number) is drawn as a hatched grey cell. */
  values: (number | null)[][];
  /** What the colour means, e.g. "perplexity". */
  colorLabel: string;
  /** Colour by log₁₀ of the value (values ≤ 0 become hatched cells; the note says so). */
  logColor?: boolean;
  note?: string;
  /** Cell side in pixels; by default the grid fits in about 600 × 520. */
  cellSize?: number;
}

/**
 * Renders a rows × columns grid coloured with viridis (dark = low, yellow = high). Cell values are
 * printed when the grid is at most 16 × 16 and they fit, in black or white for contrast.
 *
 * @example
 * ```ts
 * const svg = heatMap({
 *   title: "Perplexity with one head removed", xLabel: "head", yLabel: "layer",
 *   xLabels: ["0", "1"], yLabels: ["0", "1"], values: [[6.1, 5.8], [5.7, null]],
 *   colorLabel: "perplexity", logColor: true,
 * });
 * ```
 */
export function heatMap(o: HeatMapOptions): string {
  const rows = o.yLabels.length, cols = o.xLabels.length;
  if (o.values.length !== rows) {
    throw new Error(
      `heatMap() got ${rows} row labels but ${o.values.length} rows of values; expected one row per label`,
    );
  }
  o.values.forEach((r, i) => {
    if (r.length !== cols) {
      throw new Error(`Row ${i} of heatMap() values has ${r.length} cells; expected ${cols} (one per column label)`);
    }
  });
  const logColor = o.logColor ?? false;

  // data
  let missing = 0, notFinite = 0, notPositive = 0;
  const grid = o.values.map((r) =>
    r.map((v) => {
      if (v === null) return missing++, null;
      if (!plottable(v) || (logColor && v > 0 && v < 1 / PLOT_LIMIT)) return notFinite++, null;
      if (logColor && v <= 0) return notPositive++, null;
      return v;
    })
  );
  const finite = grid.flat().filter((v): v is number => v !== null);
  let lo = finite.length ? Math.min(...finite) : logColor ? 1 : 0;
  let hi = finite.length ? Math.max(...finite) : logColor ? 10 : 1;
  const flat = hi === lo;
  if (flat) {
    [lo, hi] = logColor ? [lo / 1.25, hi * 1.25] : [lo - (Math.abs(lo) * 0.1 || 1), hi + (Math.abs(hi) * 0.1 || 1)];
  }
  const T = (v: number) => (logColor ? Math.log10(v) : v);
  const colorAt = (v: number) => viridis(flat ? 0.5 : (T(v) - T(lo)) / (T(hi) - T(lo)));

  // layout
  const cell = o.cellSize === undefined
    ? Math.min(40, Math.max(4, Math.floor(Math.min(600 / Math.max(1, cols), 520 / Math.max(1, rows)))))
    : checkCellSize(o.cellSize);
  const gw = cols * cell, gh = rows * cell;
  const yLabelEvery = cell >= 13 ? 1 : niceEvery(13 / cell);
  const yLabelW = Math.max(0, ...o.yLabels.map((l, i) => (i % yLabelEvery ? 0 : textWidth(l, 11))));
  const xw = Math.max(0, ...o.xLabels.map((l) => textWidth(l, 11)));
  const numeric = o.xLabels.every((l) => /^-?\d+(\.\d+)?$/.test(l));
  let xEvery = 1, slant = false;
  if (xw + 3 > cell) {
    if (numeric) xEvery = niceEvery((xw + 8) / cell);
    else [slant, xEvery] = [true, cell >= 13 ? 1 : niceEvery(13 / cell)];
  }
  const xLabelsH = slant ? xw * 0.62 + 12 : 18;
  const barH = Math.max(gh, 160);
  const ca: Axis = logColor
    ? logAxis(lo, hi, lo, hi)
    : linearAxis(lo, hi, { maxTicks: Math.max(2, Math.floor(barH / 40)), extend: false });
  const left = 30 + yLabelW + 8, top = 42;
  const barX = left + gw + 22;
  const width0 = barX + 14 + 8 + tickLabelWidth(ca) + 30;
  const width = Math.max(width0, textWidth(o.title, 15) + 24, 240);

  const remarks: string[] = [];
  if (missing) remarks.push(`Hatched cells: no value (${plural(missing, "cell")}).`);
  if (notFinite) remarks.push(`${plural(notFinite, "cell")} hatched: not finite or out of range (beyond 1e±300).`);
  if (notPositive) remarks.push(`${plural(notPositive, "cell")} hatched: ≤ 0 with a log colour scale.`);
  if (flat && finite.length) remarks.push(`All values equal ${compact(finite[0])}.`);
  const notes = noteLines(o.note, remarks, width);
  const height = top + Math.max(gh, barH) + xLabelsH + 30 + (notes.length ? notes.length * 14 + 8 : 0) + 4;

  // cells
  const hatch = hashId("hatch", o.title + "|" + rows + "x" + cols);
  const grad = hashId("viridis", o.title + "|" + rows + "x" + cols);
  const body = [
    titleText(width, o.title),
    "<defs>",
    `<pattern${attrs({ id: hatch, patternUnits: "userSpaceOnUse", width: 6, height: 6 })}>` +
    `<rect${attrs({ x: 0, y: 0, width: 6, height: 6, fill: "#e4e4e4" })}/>` +
    `<path${attrs({ d: "M-1,1L1,-1M0,6L6,0M5,7L7,5", stroke: "#9a9a9a", "stroke-width": 1 })}/></pattern>`,
    `<linearGradient${attrs({ id: grad, x1: 0, y1: 1, x2: 0, y2: 0 })}>` +
    VIRIDIS.map((c, i) => `<stop${attrs({ offset: i / (VIRIDIS.length - 1), "stop-color": c })}/>`).join("") +
    "</linearGradient>",
    "</defs>",
  ];
  const fs = Math.min(11, cell * 0.3);
  const printValues = rows <= 16 && cols <= 16 && finite.length > 0 &&
    finite.every((v) => textWidth(compact(v), fs) <= cell - 3) && fs >= 7;
  const stroke = cell >= 12 ? { stroke: "#ffffff", "stroke-width": 0.6 } : {};
  grid.forEach((r, i) =>
    r.forEach((v, j) => {
      const x = left + j * cell, y = top + i * cell;
      const fill = v === null ? `url(#${hatch})` : colorAt(v);
      body.push(`<rect${attrs({ x, y, width: cell, height: cell, fill, ...stroke })}/>`);
      if (printValues && v !== null) {
        body.push(
          text(x + cell / 2, y + cell / 2 + fs * 0.35, compact(v), {
            "text-anchor": "middle",
            "font-size": fs,
            fill: textColorOn(fill),
          }),
        );
      }
    })
  );
  if (rows === 0 || cols === 0) body.push(text(left + 40, top + 20, "no data", { fill: "#777" }));

  // row and column labels, axis labels
  o.yLabels.forEach((l, i) => {
    if (i % yLabelEvery === 0) {
      body.push(text(left - 5, top + (i + 0.5) * cell + 4, l, { "text-anchor": "end", "font-size": 11, fill: "#333" }));
    }
  });
  const yb = top + gh;
  o.xLabels.forEach((l, j) => {
    if (j % xEvery !== 0) return;
    const cx = left + (j + 0.5) * cell;
    body.push(
      slant
        ? text(cx + 3, yb + 10, l, {
          "text-anchor": "end",
          "font-size": 11,
          fill: "#333",
          transform: `rotate(-45 ${px(cx + 3)} ${px(yb + 10)})`,
        })
        : text(cx, yb + 14, l, { "text-anchor": "middle", "font-size": 11, fill: "#333" }),
    );
  });
  body.push(
    text(left + gw / 2, yb + xLabelsH + 18, o.xLabel, { "text-anchor": "middle", "font-size": 12, fill: "#222" }),
  );
  const cy = top + gh / 2;
  body.push(
    text(14, cy, o.yLabel, {
      "text-anchor": "middle",
      "font-size": 12,
      fill: "#222",
      transform: `rotate(-90 14 ${px(cy)})`,
    }),
  );

  // colour bar with ticks
  const B = scale(ca, top + barH, top);
  body.push(
    `<rect${
      attrs({ x: barX, y: top, width: 14, height: barH, fill: `url(#${grad})`, stroke: "#555", "stroke-width": 0.6 })
    }/>`,
  );
  for (const t of ca.ticks) {
    const y = B(t.v);
    body.push(`<line${attrs({ x1: barX + 14, y1: y, x2: barX + (t.major ? 19 : 17), y2: y, stroke: "#333" })}/>`);
    if (t.label !== undefined) {
      const sup = t.sup === undefined ? "" : `<tspan dy="-5" font-size="8">${esc(t.sup)}</tspan>`;
      body.push(
        `<text${attrs({ x: barX + 22, y: y + 4, "font-size": 11, fill: "#333" })}>${esc(t.label)}${sup}</text>`,
      );
    }
  }
  const clx = barX + 14 + 8 + tickLabelWidth(ca) + 16, ccy = top + barH / 2;
  body.push(
    text(clx, ccy, o.colorLabel, {
      "text-anchor": "middle",
      "font-size": 12,
      fill: "#222",
      transform: `rotate(-90 ${px(clx)} ${px(ccy)})`,
    }),
  );
  if (notes.length) body.push(noteText(12, height - notes.length * 14 + 6, notes));
  return svgDocument(width, height, o.title, body, notes.join(" "));
}

function checkCellSize(v: number): number {
  if (!(Number.isFinite(v) && v >= 2 && v <= 200)) {
    throw new Error(`cellSize "${v}" is out of range; expected 2..200 pixels`);
  }
  return v;
}
