/**
 * Every bad input of `_error_cases.ts` through the real CLI: exit code 1, exactly one line on stderr
 * (`shortgpt: <what was wrong, the value, what to do>`), no stack trace, within seconds, and
 * every file and folder named on the command line byte-for-byte unchanged (nothing created
 * beside them either).
 *
 * The cases live in `_error_cases.ts`. Those in `SUBPROCESS_CASES` (one per kind of bad input) run as a subprocess of the runtime running the tests: Deno runs
 * `src/cli.ts`, Bun runs `src/cli.ts`, Node runs the bundle `dist/cli.js` (built by
 * `node scripts/build.mjs`). The rest run through `main()` in this process, which is the
 * same code without the process start.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { main } from "../cli.ts";
import { runtime, test } from "../testing/harness.ts";
import {
  buildFixtures,
  ERROR_CASES,
  type Fixtures,
  hashFolder,
  repoRoot,
  SUBPROCESS_CASES,
  SUCCESS_CASES,
} from "./_error_cases.ts";

const ROOT = repoRoot();
const TIMEOUT_MS = 20_000;
/** A bad input must be answered quickly: no hang, no reading of a huge declared size. */
const MAX_SECONDS = 15;

/** How to start the CLI on this runtime, or why it cannot be started. */
function cliCommand(): { cmd: string; args: string[] } | { skip: string } {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  if (runtime === "deno") return { cmd: g.Deno.execPath(), args: ["run", "-A", join(ROOT, "src", "cli.ts")] };
  if (runtime === "bun") return { cmd: process.execPath, args: [join(ROOT, "src", "cli.ts")] };
  const bundle = join(ROOT, "dist", "cli.js");
  if (!existsSync(bundle)) return { skip: `${bundle} is missing; run "node scripts/build.mjs" first` };
  return { cmd: process.execPath, args: [bundle] };
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function runSubprocess(argv: string[]): Outcome {
  const cli = cliCommand();
  if ("skip" in cli) throw new Error(cli.skip);
  const t0 = performance.now();
  const r = spawnSync(cli.cmd, [...cli.args, ...argv], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: TIMEOUT_MS,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error) throw new Error(`could not run the CLI (${cli.cmd}): ${r.error.message}`);
  if (r.signal) {
    throw new Error(`the CLI was killed by ${r.signal} after ${seconds.toFixed(1)} s (timeout ${TIMEOUT_MS / 1000} s)`);
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, seconds };
}

/** `main(argv)` in this process, with stderr captured (stdout is left alone: test runners report there). */
async function runInProcess(argv: string[]): Promise<Outcome> {
  const err: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
    return true;
  }) as typeof process.stderr.write;
  const t0 = performance.now();
  let code: number;
  try {
    code = await main(argv);
  } finally {
    process.stderr.write = write;
  }
  return { code, stdout: "", stderr: err.join(""), seconds: (performance.now() - t0) / 1000 };
}

/** Names, sizes and modification times of everything under `dir`: shows files created, removed or touched. */
function snapshot(dir: string): string {
  const rows: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name), s = statSync(p);
      rows.push(`${p} ${s.isDirectory() ? "dir" : s.size} ${s.isDirectory() ? "" : s.mtimeMs}`);
      if (s.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return rows.join("\n");
}

/** Content hashes of every existing file or folder named in `argv` under the fixtures, plus the unbroken model. */
function hashInputs(f: Fixtures, argv: string[]): Map<string, string> {
  const hashes = new Map<string, string>([[f.good, hashFolder(f.good)]]);
  for (const a of argv) {
    const p = resolve(a);
    if (p.startsWith(f.root) && existsSync(p) && !hashes.has(p)) hashes.set(p, hashFolder(p));
  }
  return hashes;
}

/** The contract for one bad input. */
function checkFailure(o: Outcome, expect: RegExp, argv: string[]): void {
  const shown = `shortgpt ${argv.join(" ")}`;
  assert.ok(!/internal error|^\s+at /m.test(o.stderr), `${shown}: a stack trace on stderr:\n${o.stderr}`);
  assert.equal(o.code, 1, `${shown}: exit code ${o.code}, expected 1; stderr:\n${o.stderr}`);
  const lines = o.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, `${shown}: ${lines.length} lines on stderr, expected exactly one:\n${o.stderr}`);
  assert.ok(o.stderr.endsWith("\n"), `${shown}: stderr does not end with a newline`);
  assert.ok(lines[0].startsWith("shortgpt: "), `${shown}: stderr does not start with "shortgpt: ":\n${lines[0]}`);
  assert.match(lines[0].slice("shortgpt: ".length), expect, `${shown}: the message does not say what is expected`);
  assert.ok(o.seconds < MAX_SECONDS, `${shown}: took ${o.seconds.toFixed(1)} s, more than ${MAX_SECONDS} s`);
}

const fixtureRoot = mkdtempSync(join(tmpdir(), "shortgpt-errors-"));
let fixtures: Fixtures | undefined;
/** Built on first use, so that registering the tests costs nothing. */
function fx(): Fixtures {
  return fixtures ??= buildFixtures(fixtureRoot);
}

const cli = cliCommand();
const skipSubprocess = "skip" in cli ? cli.skip : undefined;

for (const c of ERROR_CASES) {
  const viaProcess = SUBPROCESS_CASES.has(c.name);
  const how = viaProcess ? `the ${runtime} CLI` : "main()";
  test(`${how} answers ${c.name} with exit 1 and one line`, async () => {
    const f = fx();
    const argv = c.args(f);
    const before = hashInputs(f, argv), listing = snapshot(f.root);
    const o = viaProcess ? runSubprocess(argv) : await runInProcess(argv);
    checkFailure(o, c.expect, argv);
    for (const [path, hash] of before) {
      assert.equal(hashFolder(path), hash, `shortgpt ${argv.join(" ")}: "${path}" changed`);
    }
    assert.equal(snapshot(f.root), listing, `shortgpt ${argv.join(" ")}: files were created, removed or touched`);
  }, { skip: c.skip?.() ?? (viaProcess ? skipSubprocess : undefined) });
}

test("every case SUBPROCESS_CASES names runs as a subprocess, and the table names each case once", () => {
  const names = ERROR_CASES.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, "two cases share a name");
  for (const n of SUBPROCESS_CASES) {
    assert.ok(names.includes(n), `SUBPROCESS_CASES names "${n}", which is not in ERROR_CASES`);
  }
  assert.ok(SUBPROCESS_CASES.size >= 30, `only ${SUBPROCESS_CASES.size} subprocess cases`);
});

for (const s of SUCCESS_CASES) {
  test(`the ${runtime} CLI succeeds on ${s.name} (the harness itself works)`, () => {
    const f = fx();
    const argv = s.args(f);
    const before = hashFolder(f.good);
    const o = runSubprocess([...argv, "--quiet"]);
    assert.equal(o.code, 0, `shortgpt ${argv.join(" ")}: exit code ${o.code}; stderr:\n${o.stderr}`);
    assert.equal(o.stderr, "", `shortgpt ${argv.join(" ")} --quiet wrote to stderr:\n${o.stderr}`);
    assert.match(o.stdout, s.stdout);
    assert.equal(hashFolder(f.good), before, "the input model changed");
  }, { skip: skipSubprocess });
}

test(`--debug adds the stack trace to a user error on the ${runtime} CLI`, () => {
  const o = runSubprocess(["forward", fx().good, "--ids", "1,abc", "--debug"]);
  assert.equal(o.code, 1);
  assert.match(o.stderr, /^shortgpt: --ids: token id "abc"/);
  assert.match(o.stderr, /^\s+at /m, "no stack trace with --debug");
}, { skip: skipSubprocess });

test("the fixtures are removed at the end", () => {
  rmSync(fixtureRoot, { recursive: true, force: true });
  assert.ok(!existsSync(fixtureRoot));
});
