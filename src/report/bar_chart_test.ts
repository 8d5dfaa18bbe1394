import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../testing/harness.ts";
import { assertWellFormedSvg, awkward, textsOf } from "./_well_formed.ts";
import { barChart } from "./bar_chart.ts";

const labels = ["0", "1", "2", "3", "4", "5"];
const values = [812, 41.2, 6.3, 5.9, 6.1, 7.4];
const base = {
  title: "Perplexity with one layer removed",
  xLabel: "removed layer",
  yLabel: "perplexity",
  labels,
  values,
};

test("barChart() writes well-formed SVG with the title, axis labels, bar labels and values", () => {
  const svg = barChart({ ...base, logY: true, note: "WikiText-2, 12 windows × 256 tokens" });
  assertWellFormedSvg(svg);
  const texts = textsOf(svg);
  for (
    const s of [
      base.title,
      base.xLabel,
      base.yLabel,
      ...labels,
      "812",
      "41.2",
      "6.3",
      "WikiText-2, 12 windows × 256 tokens",
    ]
  ) {
    assert.ok(texts.includes(s), `missing text "${s}"`);
  }
  assert.equal((svg.match(/<rect[^>]*fill="#0072B2"/g) ?? []).length, 6, "one bar per value");
});

test("barChart() is deterministic: the same input gives the same bytes", () => {
  assert.equal(barChart({ ...base, highlight: [2] }), barChart({ ...base, highlight: [2] }));
});

test("barChart() draws highlighted bars in another colour and names them in the legend", () => {
  const svg = barChart({ ...base, highlight: [2, 3], highlightLabel: "removed by BI" });
  assertWellFormedSvg(svg);
  assert.equal((svg.match(/fill="#E69F00"/g) ?? []).length, 3, "two bars and the legend swatch");
  assert.ok(textsOf(svg).includes("removed by BI"));
});

test("barChart() draws the baseline as a dashed line and labels it with its value", () => {
  const svg = barChart({ ...base, logY: true, baseline: { value: 5.68, label: "dense model" } });
  assertWellFormedSvg(svg);
  assert.ok(textsOf(svg).includes("dense model (5.68)"));
  assert.equal((svg.match(/stroke-dasharray="6 4"/g) ?? []).length, 2, "the line and its legend swatch");
});

test("barChart() with yMax cuts taller bars, keeps their printed value and says so", () => {
  const svg = barChart({ ...base, yMax: 12 });
  assertWellFormedSvg(svg);
  const texts = textsOf(svg);
  assert.ok(texts.includes("812") && texts.includes("41.2"));
  assert.match(texts.join("\n"), /2 bars above 12 cut at the top/);
});

test("barChart() escapes markup, skips bad values with a note, and handles negatives", () => {
  const svg = barChart({
    title: "a < b & c",
    xLabel: "x",
    yLabel: "y",
    labels: ["<0>", '"1"', "2", "3"],
    values: [NaN, -3, Infinity, 4],
    logY: true,
  });
  assertWellFormedSvg(svg);
  const texts = textsOf(svg).join("\n");
  assert.match(texts, /1 bar not drawn \(×\): ≤ 0 on a log axis/);
  assert.match(texts, /2 bars not drawn \(×\): not finite/);
  assert.ok(svg.includes("a &lt; b &amp; c"));
  const linear = barChart({ ...base, values: [-3, 2, 0, 1, -0.5, 4] });
  assertWellFormedSvg(linear);
  assert.ok(textsOf(linear).includes("\u22123"));
});

test("barChart() thins crowded numeric labels and slants long text labels", () => {
  const many = Array.from({ length: 80 }, (_, i) => String(i));
  const svg = barChart({ ...base, labels: many, values: many.map((_, i) => 1 + i) });
  const texts = textsOf(svg);
  assert.ok(texts.includes("0") && texts.includes("10") && !texts.includes("1"), "every k-th label only");
  const names = ["Block Influence", "Relative magnitude", "Angular distance n=4"];
  const slanted = barChart({ ...base, labels: names, values: [1, 2, 3], width: 300 });
  assertWellFormedSvg(slanted);
  assert.ok(slanted.includes("rotate(-45"));
});

test("barChart() rejects mismatched lengths and out-of-range highlight indices", () => {
  assert.throws(() => barChart({ ...base, values: [1] }), /6 labels but 1 values/);
  assert.throws(() => barChart({ ...base, highlight: [6] }), /Highlight index "6" is out of range 0..5/);
});

test("barChart() property: random values (NaN, ±Infinity, ≤ 0 with logY, all equal) never throw and stay well-formed", () => {
  fc.assert(
    fc.property(
      fc.array(awkward, { maxLength: 90 }),
      fc.boolean(),
      fc.option(awkward),
      fc.option(fc.double({ min: 0.5, max: 1e5, noNaN: true })),
      (vals, logY, baseValue, yMax) => {
        const opts = {
          ...base,
          labels: vals.map((_, i) => (i % 7 === 3 ? `metric ${i}` : String(i))),
          values: vals,
          logY,
          highlight: vals.length ? [0, vals.length - 1] : [],
          baseline: baseValue === null ? undefined : { value: baseValue, label: "dense" },
          yMax: yMax ?? undefined,
        };
        const svg = barChart(opts);
        assertWellFormedSvg(svg);
        assert.equal(svg, barChart(opts));
      },
    ),
    { numRuns: 300, endOnFailure: true },
  );
});

test("barChart() names the bars in the legend with barLabel, and the baseline with its value", () => {
  const svg = barChart({
    ...base,
    barLabel: "single-layer perplexity (oracle)",
    baseline: { value: 5.68, label: "dense model" },
  });
  assertWellFormedSvg(svg);
  const texts = textsOf(svg);
  assert.ok(texts.includes("single-layer perplexity (oracle)"), "the bars' legend entry");
  assert.ok(texts.includes("dense model (5.68)"), "the baseline's legend entry");
});
