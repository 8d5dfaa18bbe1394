import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../testing/harness.ts";
import { formatNumber, markdownTable } from "./markdown.ts";

test("formatNumber() is fixed for moderate magnitudes and exponential for tiny or huge ones", () => {
  assert.equal(formatNumber(5.678912), "5.679");
  assert.equal(formatNumber(0.0123456), "0.01235");
  assert.equal(formatNumber(123.456), "123.5");
  assert.equal(formatNumber(123456.7), "123457");
  assert.equal(formatNumber(42), "42");
  assert.equal(formatNumber(-3.14159, 3), "-3.14");
  assert.equal(formatNumber(2.5e-7), "2.500e-7");
  assert.equal(formatNumber(3.2e9, 2), "3.2e9");
  assert.equal(formatNumber(1e6), "1.000e6");
  assert.equal(formatNumber(999999.9), "1.000e6");
  assert.equal(formatNumber(0), "0");
});

test('formatNumber() writes "—" for null and NaN, and ∞ for infinities', () => {
  assert.equal(formatNumber(null), "—");
  assert.equal(formatNumber(undefined), "—");
  assert.equal(formatNumber(NaN), "—");
  assert.equal(formatNumber(Infinity), "∞");
  assert.equal(formatNumber(-Infinity), "-∞");
  assert.throws(() => formatNumber(1, 0), /digits "0" is out of range/);
});

test("formatNumber() property: any double gives a short string that reads back close to the value", () => {
  fc.assert(fc.property(fc.double({ min: -1e300, max: 1e300, noNaN: true }), (v) => {
    const s = formatNumber(v);
    assert.ok(s.length <= 12, `"${s}" for ${v}`);
    const back = Number(s);
    assert.ok(Math.abs(back - v) <= Math.abs(v) * 1e-3 + 1e-300, `${s} vs ${v}`);
  }));
});

test("markdownTable() writes the header, an alignment row and padded rows", () => {
  const t = markdownTable(["layer", "metric", "BI"], [[0, "bi", 0.4213], [12, "relmag", null]], ["r", "c", "r"]);
  assert.equal(
    t,
    [
      "| layer | metric |     BI |",
      "| ----: | :----: | -----: |",
      "|     0 |   bi   | 0.4213 |",
      "|    12 | relmag |      — |",
      "",
    ].join("\n"),
  );
});

test("markdownTable() right-aligns numeric columns and left-aligns text by default", () => {
  const t = markdownTable(["name", "ppl"], [["dense", 5.68], ["-9 layers", 18.456]]);
  assert.equal(t.split("\n")[1], "| :-------- | ----: |");
  assert.equal(t.split("\n")[3], "| -9 layers | 18.46 |");
});

test("markdownTable() escapes pipes and turns newlines into <br>", () => {
  const t = markdownTable(["a|b"], [["x | y"], ["two\nlines"]]);
  assert.equal(t.split("\n")[0], "| a\\|b         |"); // padded to "two<br>lines"
  assert.ok(t.includes("x \\| y"));
  assert.ok(t.includes("two<br>lines"));
});

test("markdownTable() pads short rows and rejects long ones", () => {
  assert.equal(markdownTable(["a", "b"], [[1]]).split("\n")[2], "|   1 |     |");
  assert.throws(() => markdownTable(["a"], [[1, 2]]), /Row 0 .* has 2 cells; expected at most 1/);
});

test("markdownTable() property: every line has one cell per header and the same length", () => {
  const cell = fc.oneof(fc.string(), fc.double(), fc.constant(null));
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }).chain((n) =>
        fc.tuple(
          fc.array(fc.string(), { minLength: n, maxLength: n }),
          fc.array(fc.array(cell, { minLength: n, maxLength: n })),
        )
      ),
      ([headers, rows]) => {
        const lines = markdownTable(headers, rows).trimEnd().split("\n");
        assert.equal(lines.length, rows.length + 2);
        for (const l of lines) {
          assert.equal(l.split(/(?<!\\)\|/).length - 2, headers.length, `cells in ${JSON.stringify(l)}`);
          assert.equal([...l].length, [...lines[0]].length);
        }
      },
    ),
  );
});
