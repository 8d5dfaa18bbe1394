/**
 * Markdown tables for reports (layer scores, perplexity per number of removed layers), with
 * numbers formatted the same way everywhere.
 *
 * @module
 */

/**
 * Formats a number for a table with `digits` significant digits: fixed notation for moderate
 * magnitudes (1e-3 ≤ |v| < 1e6), exponent notation for tiny or huge ones, integers below 1e6 as
 * they are, and "—" for null, undefined or NaN.
 *
 * @example
 * ```ts
 * formatNumber(5.678912);  // "5.679"
 * formatNumber(0.0123456); // "0.01235"
 * formatNumber(2.5e-7);    // "2.500e-7"
 * formatNumber(3.2e9, 2);  // "3.2e9"
 * formatNumber(null);      // "—"
 * ```
 */
export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 21) {
    throw new Error(`formatNumber() digits "${digits}" is out of range; expected an integer 1..21`);
  }
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "-∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e6) return String(v);
  if (a >= 1e-3 && a < 1e6) {
    const out = v.toFixed(Math.min(20, Math.max(0, digits - 1 - Math.floor(Math.log10(a)))));
    if (Math.abs(Number(out)) < 1e6) return out;
  }
  return v.toExponential(digits - 1).replace("e+", "e");
}

/** A table cell as written: numbers through {@link formatNumber}, `|` escaped, newlines as `<br>`. */
function cell(v: string | number | null): string {
  if (v === null || typeof v === "number") return formatNumber(v);
  return v.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

/**
 * A GitHub-flavoured Markdown table with padded columns. Columns holding only numbers (and
 * nulls) are right-aligned unless `align` says otherwise ("l", "r" or "c" per column).
 *
 * @example
 * ```ts
 * markdownTable(["layer", "BI"], [[0, 0.4213], [1, 0.0521]]);
 * // | layer |      BI |
 * // | ----: | ------: |
 * // |     0 |  0.4213 |
 * // |     1 | 0.05210 |
 * ```
 */
export function markdownTable(
  headers: string[],
  rows: (string | number | null)[][],
  align?: ("l" | "r" | "c")[],
): string {
  if (align && align.length > headers.length) {
    throw new Error(`markdownTable() got ${align.length} alignments for ${headers.length} columns`);
  }
  rows.forEach((r, i) => {
    if (r.length > headers.length) {
      throw new Error(
        `Row ${i} of markdownTable() has ${r.length} cells; expected at most ${headers.length} (one per header)`,
      );
    }
  });
  const cols = headers.map((_, j) => {
    const raw = rows.map((r) => (j < r.length ? r[j] : ""));
    const numeric = raw.some((v) => typeof v === "number") && raw.every((v) => typeof v === "number" || v === null);
    return { align: align?.[j] ?? (numeric ? "r" : "l"), cells: raw.map((v) => cell(v)) };
  });
  const len = (s: string) => [...s].length;
  const widths = cols.map((c, j) => Math.max(3, len(cell(headers[j])), ...c.cells.map(len)));
  const pad = (s: string, j: number) => {
    const room = widths[j] - len(s);
    const a = cols[j].align;
    if (a === "r") return " ".repeat(room) + s;
    if (a === "c") return " ".repeat(Math.floor(room / 2)) + s + " ".repeat(Math.ceil(room / 2));
    return s + " ".repeat(room);
  };
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = cols.map((c, j) => {
    const w = widths[j];
    return c.align === "r"
      ? "-".repeat(w - 1) + ":"
      : c.align === "c"
      ? ":" + "-".repeat(w - 2) + ":"
      : ":" + "-".repeat(w - 1);
  });
  return [
    line(headers.map(cell)),
    `| ${rule.join(" | ")} |`,
    ...rows.map((_, i) => line(cols.map((c) => c.cells[i]))),
  ].join("\n") + "\n";
}
