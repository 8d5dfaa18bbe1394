import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { getThreads, setThreads } from "../backend/cpu.ts";
import { main } from "../cli.ts";
import { test } from "../testing/harness.ts";
import { coreCount } from "./shared.ts";

const MODEL = "testdata/models/stories260K";

/** Runs the CLI in this process with stderr captured; returns the exit code and stderr. */
async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  const err: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stderr: err.join("") };
  } finally {
    process.stderr.write = write;
  }
}

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-shared-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

test("importance over fewer tokens than one window warns on stderr and lists it in the JSON's warnings", () =>
  withTmp(async (dir) => {
    const json = join(dir, "bi.json");
    const r = await run(["importance", MODEL, "--ids", "1,403,407,261", "--json", json, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: the calibration input "--ids" has 4 tokens, fewer than one full window of 256/);
    const report = JSON.parse(readFileSync(json, "utf8"));
    assert.equal(report.warnings.length, 1);
    assert.match(report.warnings[0], /4 tokens, fewer than one full window/);
    assert.equal(report.backend, "cpu");
    assert.deepEqual(report.calibration, { source: "--ids", windows: 1, tokens: 4 });
  }));

test("ppl names its measurement text, and a full window gives no warning", () =>
  withTmp(async (dir) => {
    const json = join(dir, "ppl.json");
    const text = "testdata/texts/tinystories_heldout.txt";
    const r = await run(["ppl", MODEL, "--text-file", text, "--window", "64", "--max-windows", "2", "--json", json]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /warning/);
    const report = JSON.parse(readFileSync(json, "utf8"));
    assert.deepEqual(report.measurement, { source: text, windows: 2, tokens: report.tokens + 2 });
    assert.deepEqual(report.warnings, []);
    assert.equal(report.backend, "cpu");
  }));

test("--threads above the core count is capped at the core count with a note", async () => {
  const before = getThreads();
  try {
    const asked = coreCount() + 7;
    const r = await run(["info", MODEL, "--threads", String(asked)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`--threads ${asked}: this machine has ${coreCount()} cores; using ${coreCount()}`),
    );
    assert.equal(getThreads(), coreCount());
  } finally {
    setThreads(before);
  }
});

test("a --max-memory budget that the run exceeds is reported with the amount, in the JSON too", () =>
  withTmp(async (dir) => {
    const json = join(dir, "ppl.json");
    const r = await run(["ppl", MODEL, "--ids", "1,403,407", "--window", "2", "--max-memory", "1M", "--json", json]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: peak memory .* went over the --max-memory budget of 1\.0 MiB by \d/);
    const report = JSON.parse(readFileSync(json, "utf8"));
    assert.ok(
      report.warnings.some((w: string) => /went over the --max-memory budget of 1\.0 MiB by \d/.test(w)),
      JSON.stringify(report.warnings),
    );
  }));

test("sweep reports calibration and measurement texts, and warns when they are the same text", () =>
  withTmp(async (dir) => {
    const calib = "testdata/texts/tinystories_calibration.txt", heldout = "testdata/texts/tinystories_heldout.txt";
    const base = ["sweep", MODEL, "--text-file", calib, "--window", "32", "--max-windows", "2", "--metrics", "bi"];
    const a = await run([
      ...base,
      "--max-remove",
      "1",
      "--eval-text-file",
      heldout,
      "--eval-max-windows",
      "3",
      "--out",
      join(dir, "a"),
      "--quiet",
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stderr, "");
    const ja = JSON.parse(readFileSync(join(dir, "a", "sweep.json"), "utf8"));
    assert.deepEqual([ja.calibration.source, ja.calibration.windows], [calib, 2]);
    assert.deepEqual([ja.measurement.source, ja.measurement.windows, ja.eval_windows], [heldout, 3, 3]);
    assert.deepEqual(ja.warnings, []);
    assert.match(readFileSync(join(dir, "a", "sweep.md"), "utf8"), /Measurement text \(every perplexity\): `.*heldout/);

    const b = await run([...base, "--max-remove", "1", "--out", join(dir, "b"), "--quiet"]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /warning: perplexity is measured on the calibration text/);
    const jb = JSON.parse(readFileSync(join(dir, "b", "sweep.json"), "utf8"));
    assert.equal(jb.measurement.source, calib);
    assert.equal(jb.warnings.length, 1);
    assert.equal(await main([...base, "--out", join(dir, "c"), "--quiet", "--strict"]), 1);
  }));
