import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../testing/harness.ts";
import { assertWellFormedSvg, awkward, textsOf } from "./_well_formed.ts";
import { lineChart, mergeCoincident, type Series } from "./line_chart.ts";

const x = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const sample = (): Series[] => [
  { name: "BI", x, y: x.map((i) => 5.68 * 1.2 ** i) },
  { name: "Relative magnitude", x, y: x.map((i) => 5.68 * 1.5 ** i) },
  { name: "Random", x, y: x.map((i) => 5.68 * 3 ** i) },
];
const base = { title: "Perplexity vs removed layers", xLabel: "removed layers", yLabel: "perplexity" };

test("lineChart() writes well-formed SVG with the title, axis labels and every series name", () => {
  const svg = lineChart({
    ...base,
    series: sample(),
    logY: true,
    xIntegers: true,
    note: "calibration: 12 windows × 256 tokens",
  });
  assertWellFormedSvg(svg);
  const texts = textsOf(svg);
  for (
    const s of [
      base.title,
      base.xLabel,
      base.yLabel,
      "BI",
      "Relative magnitude",
      "Random",
      "calibration: 12 windows × 256 tokens",
    ]
  ) {
    assert.ok(texts.includes(s), `missing text "${s}"`);
  }
  assert.match(svg, /<title>Perplexity vs removed layers<\/title>/);
  assert.equal((svg.match(/<path d="M/g) ?? []).length, 3, "one line per series");
});

test("lineChart() is deterministic: the same input gives the same bytes", () => {
  const a = lineChart({ ...base, series: sample(), logY: true });
  const b = lineChart({ ...base, series: sample(), logY: true });
  assert.equal(a, b);
});

test("lineChart() escapes markup in the title, labels and series names", () => {
  const svg = lineChart({
    title: `<b>"A & B"</b>`,
    xLabel: "x<1",
    yLabel: "y>2",
    series: [{ name: "it's", x: [0, 1], y: [1, 2] }],
  });
  assertWellFormedSvg(svg);
  assert.ok(!svg.includes("<b>"));
  assert.ok(svg.includes("&lt;b&gt;&quot;A &amp; B&quot;&lt;/b&gt;"));
  assert.ok(textsOf(svg).includes("it's"));
});

test("lineChart() with logY puts decade ticks on the y axis", () => {
  const svg = lineChart({ ...base, series: [{ name: "a", x: [0, 1, 2], y: [1, 1000, 1e6] }], logY: true });
  const texts = textsOf(svg);
  for (const t of ["1", "10", "100", "1000", "10000", "105", "106"]) {
    assert.ok(texts.includes(t), `missing tick "${t}"`);
  }
});

test("lineChart() with xIntegers labels only whole numbers on the x axis", () => {
  const series = [{ name: "a", x: [0, 1, 2, 3], y: [10, 20, 30, 40] }];
  assert.ok(textsOf(lineChart({ ...base, series })).includes("0.5"), "without xIntegers the x axis has half steps");
  const texts = textsOf(lineChart({ ...base, series, xIntegers: true }));
  assert.ok(!texts.some((t) => /^\d+\.\d+$/.test(t)), `fractional tick in ${texts}`);
  for (const t of ["0", "1", "2", "3"]) assert.ok(texts.includes(t));
});

test("lineChart() breaks a line at null and draws isolated points as markers", () => {
  const svg = lineChart({ ...base, series: [{ name: "gappy", x: [0, 1, 2, 3, 4, 5], y: [1, 2, null, 4, 5, 6] }] });
  const d = /<path d="([^"]+)"/.exec(svg)![1];
  assert.equal((d.match(/M/g) ?? []).length, 2);
  const one = lineChart({ ...base, series: [{ name: "single", x: [3], y: [7] }] });
  assertWellFormedSvg(one);
  assert.ok(one.includes("<circle"), "a single point still gets its marker");
});

test("lineChart() skips NaN, Infinity and (with logY) non-positive values and says so in the note", () => {
  const svg = lineChart({
    ...base,
    logY: true,
    series: [{ name: "a", x: [0, 1, 2, 3, 4], y: [5, NaN, Infinity, -2, 0] }],
  });
  assertWellFormedSvg(svg);
  const texts = textsOf(svg).join("\n");
  assert.match(texts, /2 points not drawn: not finite/);
  assert.match(texts, /2 points not drawn: ≤ 0 on a log axis/);
});

test("lineChart() with yMax clips the lines at the edge and marks clipped points with arrows", () => {
  const svg = lineChart({ ...base, yMax: 100, series: [{ name: "a", x: [0, 1, 2, 3], y: [5, 50, 1e6, 1e7] }] });
  assertWellFormedSvg(svg);
  assert.match(textsOf(svg).join("\n"), /▲ 2 points above 100 drawn at the top edge/);
  assert.equal((svg.match(/<polygon[^>]*stroke="#ffffff"/g) ?? []).length, 2, "two edge arrows");
  const d = /<path d="([^"]+)"/.exec(svg)![1];
  const ys = [...d.matchAll(/[ML][\d.-]+,([\d.-]+)/g)].map((m) => Number(m[1]));
  assert.ok(Math.min(...ys) >= 41.9, `the line leaves the plot: y = ${Math.min(...ys)}`);
});

test("lineChart() rejects series whose x and y lengths differ, and contradictory yMin/yMax", () => {
  assert.throws(
    () => lineChart({ ...base, series: [{ name: "bad", x: [0, 1], y: [1] }] }),
    /"bad" has 2 x values but 1 y values/,
  );
  assert.throws(() => lineChart({ ...base, series: [], yMin: 5, yMax: 5 }), /yMin "5" must be below yMax "5"/);
  assert.throws(() => lineChart({ ...base, series: [], logY: true, yMax: -1 }), /must be > 0 on a log axis/);
});

test("lineChart() with no data or only empty series still draws axes and says so", () => {
  for (const series of [[], [{ name: "empty", x: [], y: [] }], [{ name: "nulls", x: [0, 1], y: [null, null] }]]) {
    const svg = lineChart({ ...base, series });
    assertWellFormedSvg(svg);
    assert.ok(textsOf(svg).includes("no data"));
  }
});

test("lineChart() property: random series (nulls, NaN, ±Infinity, equal values, negatives with logY) never throw and stay well-formed", () => {
  const series = fc.array(
    fc.record({
      name: fc.string({ maxLength: 30 }).map((s) => s.replace(/NaN|Infinity|undefined/g, "")),
      pts: fc.array(fc.tuple(fc.oneof(fc.integer({ min: -5, max: 80 }), awkward), fc.option(awkward)), {
        maxLength: 25,
      }),
    }).map(({ name, pts }) => ({ name, x: pts.map((p) => p[0]), y: pts.map((p) => p[1]) })),
    { maxLength: 10 },
  );
  fc.assert(
    fc.property(
      series,
      fc.boolean(),
      fc.boolean(),
      fc.option(fc.double({ min: 1, max: 1e4, noNaN: true })),
      (s, logY, xIntegers, yMax) => {
        const opts = { ...base, series: s, logY, xIntegers, yMax: yMax ?? undefined, note: "n" };
        const svg = lineChart(opts);
        assertWellFormedSvg(svg);
        assert.equal(svg, lineChart(opts));
      },
    ),
    { numRuns: 300 },
  );
});

test("lineChart() draws series with identical points once and names them together (bi = relmag)", () => {
  const y = x.map((i) => 3.5 * 1.3 ** i);
  const svg = lineChart({
    ...base,
    logY: true,
    series: [{ name: "bi", x, y }, { name: "reverse", x, y: x.map((i) => 3.5 * 2 ** i) }, { name: "relmag", x, y }],
  });
  assertWellFormedSvg(svg);
  assert.ok(textsOf(svg).includes("bi = relmag"), "the merged legend entry");
  assert.ok(!textsOf(svg).includes("relmag"), "no separate entry for the hidden line");
  assert.equal((svg.match(/<path d="M/g) ?? []).length, 2, "one line for the two coincident series");
  assert.deepEqual(mergeCoincident([{ name: "a", x: [0], y: [1] }, { name: "b", x: [0], y: [2] }]).map((s) => s.name), [
    "a",
    "b",
  ]);
});

test("lineChart() labels reference lines on the line and in the legend, inside the y range", () => {
  const svg = lineChart({
    ...base,
    series: [{ name: "bi", x: [0, 1, 2], y: [0.55, 0.6, 0.58], err: [0.1, 0.1, null] }],
    refLines: [{ value: 0.25, label: "chance" }],
  });
  assertWellFormedSvg(svg);
  const texts = textsOf(svg);
  assert.ok(texts.includes("chance"), "the label on the line");
  assert.ok(texts.includes("chance (0.25)"), "the legend entry with its value");
  assert.ok(texts.includes("bars: 95% interval"), "error bars are explained");
  // the axis reaches down to the reference line and up to the top of the error bars
  const yTicks = [...svg.matchAll(/text-anchor="end" font-size="11" fill="#333">([\d.]+)</g)].map((m) => Number(m[1]));
  assert.ok(Math.min(...yTicks) <= 0.25 && Math.max(...yTicks) >= 0.7, `y ticks ${yTicks}`);
  assert.equal((svg.match(/opacity="0.8"/g) ?? []).length, 3, "an error bar per point that has one, and the swatch");
});
