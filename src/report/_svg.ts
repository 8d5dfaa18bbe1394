/**
 * Low-level SVG writing shared by the charts: escaping, coordinate formatting, the document
 * wrapper, text measurement and wrapping, compact number labels. Internal.
 *
 * Every number that reaches an attribute goes through {@link px} (or {@link attrs}), which
 * refuses NaN and ±Infinity, so a chart either renders valid SVG or fails loudly in a test.
 *
 * @module
 */

/** Characters XML 1.0 forbids (C0 controls except tab/LF/CR, U+FFFE/U+FFFF, lone surrogates). */
const XML_FORBIDDEN =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for XML content and attribute values; forbidden characters become U+FFFD. */
export function esc(s: string): string {
  return s
    .replace(XML_FORBIDDEN, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Formats a pixel coordinate with at most two decimals; throws on NaN/±Infinity (a bug upstream). */
export function px(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`Internal error: SVG coordinate "${v}" is not finite`);
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r); // no "-0"
}

/** Renders attributes: numbers through {@link px}, strings escaped, `undefined` left out. */
export function attrs(a: Record<string, string | number | undefined>): string {
  let out = "";
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    out += ` ${k}="${typeof v === "number" ? px(v) : esc(v)}"`;
  }
  return out;
}

/** `<text>` with escaped content. */
export function text(x: number, y: number, s: string, a: Record<string, string | number | undefined> = {}): string {
  return `<text${attrs({ x, y, ...a })}>${esc(s)}</text>`;
}

/** A rectangle in pixels. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Approximate rendered width of `s` in a sans-serif font (0.6 em per character). */
export function textWidth(s: string, fontSize: number): number {
  return [...s].length * fontSize * 0.6;
}

/** Splits `s` on newlines and wraps each line at word boundaries to at most `maxChars`. */
export function wrapText(s: string, maxChars: number): string[] {
  const out: string[] = [];
  for (const para of s.split("\n")) {
    let line = "";
    for (const word of para.split(/\s+/).filter((w) => w !== "")) {
      if (line !== "" && [...line].length + 1 + [...word].length > maxChars) {
        out.push(line);
        line = word;
      } else line = line === "" ? word : `${line} ${word}`;
    }
    if (line !== "") out.push(line);
  }
  return out;
}

/** Compact label for a value: 3 significant digits, exponent form (`1.2e6`) when huge or tiny, U+2212 minus. */
export function compact(v: number, sig = 3): string {
  if (Number.isNaN(v)) return "n/a";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return minus(expForm(v, sig - 1));
  // Below 1e5 integer digits are kept (2834.5 → "2835", not "2830").
  const r = a >= 10 ** sig ? Math.round(v) : Number(v.toPrecision(sig));
  return Math.abs(r) >= 1e5 ? minus(expForm(r, sig - 1)) : minus(String(r));
}

/** Typographic minus sign (U+2212) for labels: "−3", "1e−5". */
export function minus(s: string): string {
  return s.replace(/-/g, "\u2212");
}

/** `v` as `m.mmme±E` with trailing zeros of the mantissa removed: `1.2e6`, `5e-4`. */
export function expForm(v: number, decimals: number): string {
  const [m, e] = v.toExponential(Math.min(20, Math.max(0, decimals))).split("e");
  return `${m.includes(".") ? m.replace(/\.?0+$/, "") : m}e${Number(e)}`;
}

/** Short deterministic id (FNV-1a of `s`), so two charts inlined in one page don't share ids. */
export function hashId(prefix: string, s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return `${prefix}-${h.toString(16).padStart(8, "0")}`;
}

/** Wraps chart parts into a standalone SVG 1.1 document with a `<title>` and a white background. */
export function svgDocument(width: number, height: number, title: string, body: string[], desc = ""): string {
  const head = `<svg xmlns="http://www.w3.org/2000/svg" version="1.1"${
    attrs({ width, height, viewBox: `0 0 ${px(width)} ${px(height)}` })
  } font-family="sans-serif" font-size="12">`;
  const lines = [head, `<title>${esc(title)}</title>`];
  if (desc !== "") lines.push(`<desc>${esc(desc)}</desc>`);
  lines.push(`<rect${attrs({ x: 0, y: 0, width, height, fill: "#ffffff" })}/>`);
  return [...lines, ...body, "</svg>", ""].join("\n");
}

/** The chart title, centred on the top line. */
export function titleText(width: number, title: string): string {
  return text(width / 2, 22, title, { "text-anchor": "middle", "font-size": 15, "font-weight": "bold", fill: "#222" });
}

/** Note lines (small grey text, 14 px apart) starting at baseline `y`. */
export function noteText(x: number, y: number, lines: string[]): string {
  return lines.map((l, i) => text(x, y + i * 14, l, { "font-size": 11, fill: "#555" })).join("\n");
}

/** Joins the caller's note with the chart's own remarks (skipped points etc.). */
export function noteLines(note: string | undefined, remarks: string[], width: number): string[] {
  const all = [note ?? "", ...remarks].filter((s) => s.trim() !== "").join("\n");
  return wrapText(all, Math.max(20, Math.floor((width - 24) / (11 * 0.6))));
}

/** "1 point" / "3 points". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
