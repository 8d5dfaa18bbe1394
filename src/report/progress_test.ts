import assert from "node:assert/strict";
import { test } from "../testing/harness.ts";
import { formatDuration, Progress } from "./progress.ts";

/** A stream that records writes, and a clock the test moves by hand. */
function fake(isTTY: boolean) {
  const writes: string[] = [];
  let t = 0;
  return {
    writes,
    stream: { isTTY, write: (s: string) => writes.push(s) },
    now: () => t,
    advance: (ms: number) => (t += ms),
  };
}

test("Progress on a TTY redraws one line with \\r and a bar, and ends it with a newline", () => {
  const f = fake(true);
  const p = new Progress("layers", 40, { stream: f.stream, now: f.now });
  for (let i = 0; i < 12; i++) f.advance(1000), p.tick(1, `layer ${i}`);
  const last = f.writes.at(-1)!;
  assert.ok(f.writes.every((w) => w.startsWith("\r")));
  assert.match(last, /^\rlayers \[#{6}\.{14}\] 12\/40 30% ETA 28s layer 11/);
  f.advance(500);
  p.done("ppl 5.68");
  assert.equal(f.writes.at(-1), "\n");
  assert.match(f.writes.at(-2)!, /^\rlayers \[#{20}\] 12\/40 done in 13s ppl 5.68/);
});

test("Progress on a TTY blanks what is left of a longer previous line", () => {
  const f = fake(true);
  const p = new Progress("x", 2, { stream: f.stream, now: f.now });
  p.tick(1, "a long detail text");
  f.advance(1000);
  p.tick(1);
  assert.ok(f.writes[1].length >= f.writes[0].length);
});

test("Progress off a TTY prints at most one line per 10 % plus the final line", () => {
  const f = fake(false);
  const p = new Progress("windows", 1000, { stream: f.stream, now: f.now });
  for (let i = 0; i < 1000; i++) f.advance(1), p.tick();
  p.done();
  assert.ok(f.writes.length <= 12, `${f.writes.length} lines`);
  assert.ok(f.writes.every((w) => w.endsWith("\n") && !w.includes("\r")));
  assert.match(f.writes.at(-1)!, /^windows 1000\/1000 done in 1\.0s\n$/);
  assert.match(f.writes[1], /^windows 100\/1000 10% ETA 0\.9s\n$/);
});

test("Progress off a TTY also prints every 10 s when the work is slow", () => {
  const f = fake(false);
  const p = new Progress("heads", 1000, { stream: f.stream, now: f.now });
  for (let i = 0; i < 5; i++) f.advance(11_000), p.tick();
  assert.equal(f.writes.length, 5);
  for (let i = 0; i < 5; i++) f.advance(1_000), p.tick();
  assert.equal(f.writes.length, 5, "no line within 10 s without a new 10 %");
});

test("Progress with quiet prints nothing", () => {
  const f = fake(true);
  const p = new Progress("q", 3, { quiet: true, stream: f.stream, now: f.now });
  p.tick();
  p.tick(2, "x");
  p.done("y");
  assert.deepEqual(f.writes, []);
});

test("Progress with total 0 does not throw and still reports", () => {
  for (const tty of [true, false]) {
    const f = fake(tty);
    const p = new Progress("empty", 0, { stream: f.stream, now: f.now });
    p.tick();
    p.done();
    p.done();
    p.tick();
    assert.ok(f.writes.join("").includes("empty"));
    assert.ok(!f.writes.join("").includes("NaN"));
  }
});

test("formatDuration() reads like 0.9s, 42s, 1m05s, 1h02m", () => {
  assert.equal(formatDuration(950), "0.9s");
  assert.equal(formatDuration(42_000), "42s");
  assert.equal(formatDuration(65_000), "1m05s");
  assert.equal(formatDuration(3_725_000), "1h02m");
  assert.equal(formatDuration(NaN), "--");
});
