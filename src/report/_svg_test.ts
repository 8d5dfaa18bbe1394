import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../testing/harness.ts";
import { assertWellFormedSvg, textsOf } from "./_well_formed.ts";
import { compact, esc, hashId, px, svgDocument, text, wrapText } from "./_svg.ts";

test("esc() escapes &, <, >, and both quotes", () => {
  assert.equal(esc(`a & b < c > d "e" 'f'`), "a &amp; b &lt; c &gt; d &quot;e&quot; &#39;f&#39;");
  assert.equal(esc("&amp;"), "&amp;amp;");
});

test("esc() replaces characters XML 1.0 forbids and lone surrogates with U+FFFD", () => {
  assert.equal(esc("a\u0000b\u001Fc\tok\n"), "a\uFFFDb\uFFFDc\tok\n");
  assert.equal(esc("x\uD800y"), "x\uFFFDy");
  assert.equal(esc("\uD83D\uDE00"), "\uD83D\uDE00"); // a valid pair stays
});

test("px() rounds to two decimals and refuses NaN and Infinity", () => {
  assert.equal(px(1.23456), "1.23");
  assert.equal(px(-0.001), "0");
  assert.equal(px(100), "100");
  assert.throws(() => px(NaN), /not finite/);
  assert.throws(() => px(Infinity), /not finite/);
});

test("compact() gives 3 significant digits, keeps integer digits, and uses exponents when huge or tiny", () => {
  assert.equal(compact(5.6789), "5.68");
  assert.equal(compact(12), "12");
  assert.equal(compact(0.25), "0.25");
  assert.equal(compact(2834.5), "2835");
  assert.equal(compact(1.2e6), "1.2e6");
  assert.equal(compact(1e6), "1e6");
  assert.equal(compact(3.456e-5), "3.46e\u22125");
  assert.equal(compact(-3), "\u22123");
  assert.equal(compact(0), "0");
  assert.equal(compact(-0), "0");
  assert.equal(compact(99999.7), "1e5");
});

test("wrapText() wraps at word boundaries and keeps explicit newlines", () => {
  assert.deepEqual(wrapText("aaa bbb ccc", 7), ["aaa bbb", "ccc"]);
  assert.deepEqual(wrapText("one\ntwo", 80), ["one", "two"]);
  assert.deepEqual(wrapText("   ", 10), []);
});

test("hashId() is deterministic and differs for different inputs", () => {
  assert.equal(hashId("p", "abc"), hashId("p", "abc"));
  assert.notEqual(hashId("p", "abc"), hashId("p", "abd"));
  assert.match(hashId("hatch", ""), /^hatch-[0-9a-f]{8}$/);
});

test("svgDocument() with any title and text is well-formed and round-trips the text", () => {
  fc.assert(fc.property(fc.string({ unit: "binary" }), fc.string(), (title, s) => {
    const svg = svgDocument(300, 200, title, [text(10, 20, s)]);
    assertWellFormedSvg(svg.replace(/NaN|Infinity|undefined/g, "x"));
    assert.equal(
      textsOf(svg)[0],
      esc(s).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'").replace(/&amp;/g, "&"),
    );
  }));
});
