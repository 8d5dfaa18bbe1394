/**
 * Paper figures as standalone SVG 1.1 text, written by hand (no dependencies, no DOM):
 *
 * - {@link lineChart}: Fig. 2b/5 (perplexity vs number of removed layers, one line per metric),
 *   Fig. 8 (metric value per layer).
 * - {@link barChart}: Fig. 3 (perplexity with a single layer removed, per layer).
 * - {@link heatMap}: Fig. 6 (perplexity with one head removed, layers × heads).
 *
 * Output is deterministic (same input, same bytes), escapes all text, and never contains NaN or
 * Infinity: values that cannot be drawn are skipped and the chart's note says how many and why.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { lineChart } from "./svg.ts";
 *
 * writeFileSync("/tmp/ppl.svg", lineChart({
 *   title: "Perplexity vs removed layers", xLabel: "removed layers", yLabel: "perplexity",
 *   series: [{ name: "BI", x: [0, 1, 2], y: [5.7, 6.1, 7.4] }], logY: true, xIntegers: true,
 * }));
 * ```
 *
 * @module
 */
export { lineChart, type LineChartOptions, type Series } from "./line_chart.ts";
export { barChart, type BarChartOptions } from "./bar_chart.ts";
export { heatMap, type HeatMapOptions } from "./heat_map.ts";
