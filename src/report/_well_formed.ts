/**
 * Test helper: a small well-formedness check for the SVG the charts write. It is not a full XML
 * parser; it checks what our writer must guarantee: one `<svg>` root with the SVG namespace and
 * a `<title>`, every tag closed in order, every attribute quoted and unique, `&` only in entities,
 * no raw `>` in text, no characters XML forbids, and no NaN or Infinity anywhere.
 *
 * @module
 */
import { AssertionError } from "node:assert/strict";
import fc from "fast-check";

const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
// deno-lint-ignore no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const TAG = /^([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<>]*")*)\s*$/;

/** Throws an AssertionError naming the first problem and showing where it is. */
export function assertWellFormedSvg(svg: string): void {
  const fail = (msg: string, at: number): never => {
    const near = svg.slice(Math.max(0, at - 80), at + 80);
    throw new AssertionError({ message: `SVG is not well-formed: ${msg} at offset ${at}, near:\n${near}` });
  };
  for (const bad of ["NaN", "Infinity", "undefined"]) {
    if (svg.includes(bad)) fail(`contains "${bad}"`, svg.indexOf(bad));
  }
  if (FORBIDDEN.test(svg)) fail("contains a character XML forbids", svg.search(FORBIDDEN));
  const stack: string[] = [];
  let i = 0, roots = 0, titles = 0;
  while (i < svg.length) {
    const lt = svg.indexOf("<", i);
    const txt = svg.slice(i, lt === -1 ? svg.length : lt);
    if (ENTITY.test(txt)) fail("bare & in text", i + txt.search(ENTITY));
    if (txt.includes(">")) fail("raw > in text", i + txt.indexOf(">"));
    if (stack.length === 0 && txt.trim() !== "") fail("text outside the root element", i);
    if (lt === -1) break;
    if (svg.startsWith("<!--", lt)) {
      const end = svg.indexOf("-->", lt);
      if (end === -1) fail("unterminated comment", lt);
      i = end + 3;
      continue;
    }
    const gt = svg.indexOf(">", lt);
    if (gt === -1) fail("unterminated tag", lt);
    const inner = svg.slice(lt + 1, gt);
    if (inner.startsWith("/")) {
      const name = inner.slice(1).trim();
      const open = stack.pop();
      if (open !== name) fail(`</${name}> closes <${open ?? "nothing"}>`, lt);
    } else {
      const self = inner.endsWith("/");
      const m = TAG.exec(self ? inner.slice(0, -1) : inner);
      if (!m) fail(`malformed tag or unquoted attribute <${inner.slice(0, 60)}>`, lt);
      const [, name, attrText] = m!;
      const names = [...attrText.matchAll(/([A-Za-z_:][\w:.-]*)="([^"]*)"/g)].map((a) => {
        if (ENTITY.test(a[2])) fail(`bare & in attribute ${a[1]}`, lt);
        return a[1];
      });
      if (new Set(names).size !== names.length) fail(`duplicate attribute in <${name}>`, lt);
      if (stack.length === 0) {
        roots++;
        if (name !== "svg" || roots > 1) fail(`root element must be a single <svg>, got <${name}>`, lt);
        if (!attrText.includes('xmlns="http://www.w3.org/2000/svg"')) fail("root <svg> lacks the SVG namespace", lt);
        for (const a of ["width", "height", "viewBox"]) if (!names.includes(a)) fail(`root <svg> lacks ${a}`, lt);
      }
      if (name === "title") titles++;
      if (!self) stack.push(name);
    }
    i = gt + 1;
  }
  if (stack.length) fail(`unclosed <${stack.join("> <")}>`, svg.length);
  if (roots !== 1) fail("no <svg> root", 0);
  if (titles < 1) fail("no <title>", 0);
}

/** The text content of every `<text>` element, entities decoded (tspans joined). */
export function textsOf(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/g)].map((m) =>
    m[1].replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'").replace(/&amp;/g, "&")
  );
}

/** Any number a metric or perplexity run could produce, including the awkward ones. */
export const awkward = fc.oneof(
  fc.double(),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, -1, 1, 1e300, -1e300, 1e-300, 5e-324, 1.7e308, 5.68),
);
