import assert from "node:assert/strict";
import { test } from "../testing/harness.ts";
import { COLORS, DASHES, luminance, MARKERS, seriesStyle, textColorOn, VIRIDIS, viridis } from "./_style.ts";

test("viridis() hits its control points and clamps outside [0, 1]", () => {
  assert.equal(viridis(0), "#440154");
  assert.equal(viridis(0.5), "#21908d");
  assert.equal(viridis(1), "#fde725");
  assert.equal(viridis(-3), VIRIDIS[0]);
  assert.equal(viridis(7), VIRIDIS[8]);
});

test("viridis() gets lighter monotonically (a perceptually ordered scale)", () => {
  let prev = -1;
  for (let i = 0; i <= 100; i++) {
    const l = luminance(viridis(i / 100));
    assert.ok(l >= prev, `luminance drops at t = ${i / 100}`);
    prev = l;
  }
});

test("textColorOn() picks white on dark and black on light colours", () => {
  assert.equal(textColorOn("#440154"), "#ffffff");
  assert.equal(textColorOn("#fde725"), "#000000");
  assert.equal(textColorOn("#ffffff"), "#000000");
});

test("seriesStyle() gives the first 8 series distinct colours and distinct (marker, dash) pairs", () => {
  const styles = Array.from({ length: 8 }, (_, i) => seriesStyle(i));
  assert.equal(new Set(styles.map((s) => s.color)).size, 8);
  assert.equal(new Set(styles.map((s) => `${s.marker}|${s.dash}`)).size, 8);
  assert.equal(COLORS.length, 8);
  assert.ok(MARKERS.length >= 7 && DASHES.length >= 4);
});
