import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../testing/harness.ts";
import { assertWellFormedSvg, awkward, textsOf } from "./_well_formed.ts";
import { heatMap } from "./heat_map.ts";

const idx = (n: number) => Array.from({ length: n }, (_, i) => String(i));
const grid = (rows: number, cols: number, f: (i: number, j: number) => number | null) =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => f(i, j)));
const base = { title: "Perplexity with one head removed", xLabel: "head", yLabel: "layer", colorLabel: "perplexity" };

test("heatMap() writes well-formed SVG with the title, axis labels, row and column labels", () => {
  const svg = heatMap({
    ...base,
    xLabels: idx(4),
    yLabels: idx(3),
    values: grid(3, 4, (i, j) => 5 + i + j / 10),
    note: "12 windows",
  });
  assertWellFormedSvg(svg);
  const texts = textsOf(svg);
  for (const s of [base.title, base.xLabel, base.yLabel, base.colorLabel, "0", "1", "2", "3", "12 windows"]) {
    assert.ok(texts.includes(s), `missing text "${s}"`);
  }
  assert.equal(
    (svg.match(/<rect[^>]*fill="#[0-9a-f]{6}"[^>]*stroke="#ffffff"/g) ?? []).length,
    12,
    "one cell per value",
  );
});

test("heatMap() is deterministic: the same input gives the same bytes", () => {
  const o = { ...base, xLabels: idx(5), yLabels: idx(5), values: grid(5, 5, (i, j) => i * j), logColor: false };
  assert.equal(heatMap(o), heatMap(o));
});

test("heatMap() colours low values dark and high values yellow, with contrasting cell text", () => {
  const svg = heatMap({ ...base, xLabels: idx(2), yLabels: idx(1), values: [[1, 9]] });
  assert.match(svg, /fill="#440154"[^>]*\/>\n<text[^>]*fill="#ffffff"[^>]*>1<\/text>/);
  assert.match(svg, /fill="#fde725"[^>]*\/>\n<text[^>]*fill="#000000"[^>]*>9<\/text>/);
});

test("heatMap() prints cell values on a small grid but not on a 32 × 32 one", () => {
  const small = heatMap({
    ...base,
    xLabels: idx(8),
    yLabels: idx(6),
    values: grid(6, 8, (i, j) => 5 + i * 0.7 + j * 0.13),
  });
  assert.ok(textsOf(small).includes("5.13"));
  const big = heatMap({
    ...base,
    xLabels: idx(32),
    yLabels: idx(32),
    values: grid(32, 32, (i, j) => 5 + i * 0.7 + j * 0.13),
  });
  assertWellFormedSvg(big);
  assert.ok(!textsOf(big).includes("5.13"));
  assert.ok(textsOf(big).length < 80, "labels thinned on a 32 × 32 grid");
});

test("heatMap() hatches null, non-finite and (log colour) non-positive cells and says so", () => {
  const svg = heatMap({
    ...base,
    xLabels: idx(3),
    yLabels: idx(2),
    values: [[null, NaN, -1], [2, 3, 4]],
    logColor: true,
  });
  assertWellFormedSvg(svg);
  assert.equal((svg.match(/fill="url\(#hatch-[0-9a-f]{8}\)"/g) ?? []).length, 3);
  const texts = textsOf(svg).join(" "); // the note wraps on a narrow chart
  assert.match(texts, /Hatched cells: no value \(1 cell\)/);
  assert.match(texts, /1 cell hatched: not finite/);
  assert.match(texts, /1 cell hatched: ≤ 0 with a log colour scale/);
});

test("heatMap() with log colour puts decades on the colour bar", () => {
  const svg = heatMap({ ...base, xLabels: idx(3), yLabels: idx(1), values: [[5, 300, 3e4]], logColor: true });
  const texts = textsOf(svg);
  for (const t of ["10", "100", "1000", "10000"]) assert.ok(texts.includes(t), `missing colour-bar tick "${t}"`);
});

test("heatMap() escapes labels and rejects ragged rows", () => {
  const svg = heatMap({ ...base, title: "<&>", xLabels: ["a<b"], yLabels: ['"q"'], values: [[1]] });
  assertWellFormedSvg(svg);
  assert.ok(textsOf(svg).includes("a<b") && textsOf(svg).includes('"q"'));
  assert.throws(
    () => heatMap({ ...base, xLabels: idx(2), yLabels: idx(2), values: [[1, 2], [3]] }),
    /Row 1 .* has 1 cells; expected 2/,
  );
  assert.throws(
    () => heatMap({ ...base, xLabels: idx(2), yLabels: idx(3), values: [[1, 2]] }),
    /3 row labels but 1 rows/,
  );
});

test("heatMap() property: random grids (nulls, NaN, ±Infinity, all equal, empty) never throw and stay well-formed", () => {
  const arb = fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })).chain(([r, c]) =>
    fc.tuple(
      fc.array(fc.array(fc.option(awkward), { minLength: c, maxLength: c }), { minLength: r, maxLength: r }),
      fc.constant(c),
    )
  );
  fc.assert(
    fc.property(arb, fc.boolean(), ([values, cols], logColor) => {
      const o = {
        ...base,
        xLabels: idx(cols).map((s) => (cols > 10 ? `head ${s}` : s)),
        yLabels: idx(values.length),
        values,
        logColor,
      };
      const svg = heatMap(o);
      assertWellFormedSvg(svg);
      assert.equal(svg, heatMap(o));
    }),
    { numRuns: 200 },
  );
});
