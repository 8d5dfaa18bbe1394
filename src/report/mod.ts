/**
 * Reporting: paper figures as SVG, Markdown tables, and a progress line for long runs.
 *
 * @example
 * ```ts
 * import { barChart, markdownTable, Progress } from "./mod.ts";
 *
 * const ppl = [812, 6.1, 5.9];
 * const p = new Progress("single-layer removal", ppl.length);
 * for (const _ of ppl) p.tick();
 * p.done();
 * console.log(markdownTable(["layer", "perplexity"], ppl.map((v, i) => [i, v])));
 * const svg = barChart({ title: "Perplexity with one layer removed", xLabel: "layer", yLabel: "perplexity",
 *   labels: ppl.map((_, i) => String(i)), values: ppl, logY: true });
 * ```
 *
 * @module
 */
export {
  barChart,
  type BarChartOptions,
  heatMap,
  type HeatMapOptions,
  lineChart,
  type LineChartOptions,
  type Series,
} from "./svg.ts";
export { formatNumber, markdownTable } from "./markdown.ts";
export { Progress, type ProgressOptions } from "./progress.ts";
