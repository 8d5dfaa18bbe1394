/**
 * Visual encodings: series colours (Okabe–Ito, colour-blind safe), markers and dash patterns so
 * lines stay distinct in greyscale, the viridis colour scale, and legends. Internal.
 *
 * @module
 */
import { attrs, px, text, textWidth } from "./_svg.ts";

/** Okabe–Ito colours, yellow last (weak on white). */
export const COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

/** Dash patterns (SVG `stroke-dasharray`); "" is solid. */
export const DASHES = ["", "7 3", "2 2.5", "9 3 2 3", "4 4"];

/** Marker shapes, cycled with a different period than colours and dashes. */
export const MARKERS = ["circle", "square", "triangle", "diamond", "triangleDown", "ring", "cross", "plus"] as const;
export type MarkerKind = typeof MARKERS[number];

/** Colour, dash pattern and marker of series number `i`. */
export function seriesStyle(i: number): { color: string; dash: string; marker: MarkerKind } {
  return { color: COLORS[i % COLORS.length], dash: DASHES[i % DASHES.length], marker: MARKERS[i % MARKERS.length] };
}

/** A marker of radius about `r` centred at (x, y). */
export function marker(kind: MarkerKind, x: number, y: number, r: number, color: string): string {
  const poly = (pts: [number, number][]) =>
    `<polygon${attrs({ points: pts.map(([a, b]) => `${px(x + a)},${px(y + b)}`).join(" "), fill: color })}/>`;
  const strokePath = (d: string) =>
    `<path${attrs({ d, stroke: color, "stroke-width": 1.8, fill: "none", "stroke-dasharray": "none" })}/>`;
  switch (kind) {
    case "circle":
      return `<circle${attrs({ cx: x, cy: y, r, fill: color })}/>`;
    case "ring":
      return `<circle${attrs({ cx: x, cy: y, r: r * 0.9, fill: "#ffffff", stroke: color, "stroke-width": 1.6 })}/>`;
    case "square":
      return `<rect${attrs({ x: x - r * 0.85, y: y - r * 0.85, width: r * 1.7, height: r * 1.7, fill: color })}/>`;
    case "triangle":
      return poly([[0, -r * 1.15], [r * 1.05, r * 0.75], [-r * 1.05, r * 0.75]]);
    case "triangleDown":
      return poly([[0, r * 1.15], [r * 1.05, -r * 0.75], [-r * 1.05, -r * 0.75]]);
    case "diamond":
      return poly([[0, -r * 1.2], [r * 1.05, 0], [0, r * 1.2], [-r * 1.05, 0]]);
    case "cross": {
      const d = r * 0.95;
      return strokePath(
        `M${px(x - d)},${px(y - d)}L${px(x + d)},${px(y + d)}M${px(x - d)},${px(y + d)}L${px(x + d)},${px(y - d)}`,
      );
    }
    case "plus": {
      const d = r * 1.2;
      return strokePath(`M${px(x - d)},${px(y)}L${px(x + d)},${px(y)}M${px(x)},${px(y - d)}L${px(x)},${px(y + d)}`);
    }
  }
}

/** Viridis at 9 evenly spaced points (matplotlib's table), interpolated linearly in sRGB. */
export const VIRIDIS = [
  "#440154",
  "#472c7a",
  "#3b518b",
  "#2c718e",
  "#21908d",
  "#27ad81",
  "#5cc863",
  "#aadc32",
  "#fde725",
];

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** Viridis colour at t ∈ [0, 1] (clamped) as `#rrggbb`. */
export function viridis(t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u)), f = u - i;
  const a = rgb(VIRIDIS[i]), b = rgb(VIRIDIS[i + 1]);
  return "#" + a.map((c, k) => Math.round(c + (b[k] - c) * f).toString(16).padStart(2, "0")).join("");
}

/** WCAG relative luminance of `#rrggbb`, 0 (black) .. 1 (white). */
export function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Black or white, whichever contrasts more with the background `hex`. */
export function textColorOn(hex: string): string {
  const l = luminance(hex);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
}

/** A legend entry: a name and a swatch drawn in the 28 × 12 box left of it, centred at (x + 14, y). */
export interface LegendItem {
  name: string;
  swatch: (x: number, y: number) => string;
}

/** Legend entries placed either in one column ("right") or flowed in rows ("below"). */
export interface LegendLayout {
  w: number;
  h: number;
  at: { dx: number; dy: number; item: LegendItem }[];
}

const ROW = 18, SWATCH = 28, GAP = 6, FONT = 11.5;

/** Lays out legend items within `maxWidth` pixels. */
export function layoutLegend(items: LegendItem[], where: "right" | "below", maxWidth: number): LegendLayout {
  const at: LegendLayout["at"] = [];
  if (where === "right") {
    let w = 0;
    items.forEach((item, i) => {
      at.push({ dx: 0, dy: i * ROW, item });
      w = Math.max(w, SWATCH + GAP + textWidth(item.name, FONT));
    });
    return { w, h: items.length * ROW, at };
  }
  let dx = 0, dy = 0, w = 0;
  for (const item of items) {
    const iw = SWATCH + GAP + textWidth(item.name, FONT);
    if (dx > 0 && dx + iw > maxWidth) [dx, dy] = [0, dy + ROW];
    at.push({ dx, dy, item });
    w = Math.max(w, dx + iw);
    dx += iw + 18;
  }
  return { w, h: items.length === 0 ? 0 : dy + ROW, at };
}

/** Draws a laid-out legend with its top-left corner at (x, y). */
export function drawLegend(layout: LegendLayout, x: number, y: number): string {
  return layout.at.map(({ dx, dy, item }) => {
    const cy = y + dy + ROW / 2;
    return item.swatch(x + dx, cy) + "\n" +
      text(x + dx + SWATCH + GAP, cy + 4, item.name, { "font-size": FONT, fill: "#222" });
  }).join("\n");
}

/** Swatch for a line series: a short line with its dash pattern and marker. */
export function lineSwatch(i: number): (x: number, y: number) => string {
  const s = seriesStyle(i);
  return (x, y) =>
    `<line${
      attrs({
        x1: x,
        y1: y,
        x2: x + SWATCH,
        y2: y,
        stroke: s.color,
        "stroke-width": 2,
        "stroke-dasharray": s.dash || undefined,
      })
    }/>` +
    marker(s.marker, x + SWATCH / 2, y, 3.5, s.color);
}

/** A horizontal reference line (dense model, chance): grey, its own dash pattern per kind. */
export interface RefLine {
  value: number;
  /** Says what it is, e.g. "dense model" or "chance (50%)"; the value is added in the legend. */
  label: string;
}

/** Stroke of reference line number `i`: dark dashes, then grey dots. */
export function refLineStyle(i: number): { stroke: string; dash: string } {
  return i % 2 === 0 ? { stroke: "#222", dash: "6 4" } : { stroke: "#777", dash: "2 3" };
}

/**
 * Reference line number `i` across [x1, x2] at height y; with a `label`, it is written on the
 * line at the right end (above it, or below when `below`), so it reads without the legend.
 */
export function drawRefLine(i: number, x1: number, x2: number, y: number, label?: string, below = false): string {
  const s = refLineStyle(i);
  const line = `<line${
    attrs({ x1, y1: y, x2, y2: y, stroke: s.stroke, "stroke-width": 1.5, "stroke-dasharray": s.dash })
  }/>`;
  if (label === undefined) return line;
  return line + "\n" +
    text(x2 - 4, below ? y + 12 : y - 4, label, {
      "text-anchor": "end",
      "font-size": 10.5,
      fill: s.stroke,
      stroke: "#ffffff",
      "stroke-width": 3,
      "paint-order": "stroke",
    });
}

/** Swatch for reference line number `i`. */
export function refLineSwatch(i: number): (x: number, y: number) => string {
  const s = refLineStyle(i);
  return (x, y) =>
    `<line${
      attrs({ x1: x, y1: y, x2: x + SWATCH, y2: y, stroke: s.stroke, "stroke-width": 1.5, "stroke-dasharray": s.dash })
    }/>`;
}

/** Swatch for a bar colour: a filled square. */
export function boxSwatch(fill: string): (x: number, y: number) => string {
  return (x, y) => `<rect${attrs({ x: x + 8, y: y - 6, width: 12, height: 12, fill })}/>`;
}
