// `npm test`: the style checks, then the one test suite on Deno, Node and Bun in turn.
//
// While it runs it prints one line per test file as the file finishes (runtime, ok/FAIL, file,
// counts, seconds); a failing file's output follows its line, and each runtime's full output is
// saved to a log file whose path is printed first. It ends with one summary line per step
// (`style: ok`, `deno: N passed, M failed, K skipped (S s)`, ...) and the total alone on the
// last line but one: `N passed, M failed` (CI reads these lines). Fails if a step fails or a
// runtime runs no test.
//
// Steps by name, to run only some: `node scripts/test_all.mjs style deno bun`.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const bin = (name) => (existsSync(`node_modules/.bin/${name}`) ? `node_modules/.bin/${name}` : name);
const ESC = String.fromCharCode(27);
const strip = (s) => s.replaceAll(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "");
const seconds = (t0) => ((performance.now() - t0) / 1000).toFixed(1);

/** What `deno fmt --check` and `deno check --doc` look at (deno.json's excludes apply). */
const CHECKED = ["mod.ts", "src/", "kernels/", "bench/", "scripts/"];

/** The test files that open a WebGPU device: the GPU kernels' and every webgpu*_test.ts under src/. */
const GPU_TESTS = [
  "kernels/gpu",
  "kernels/wgsl",
  // Every webgpu*_test.ts under src/ (src/architecture_test.ts checks that no other test file opens an adapter).
  ...readdirSync("src", { recursive: true })
    .map((f) => String(f).split("\\").join("/"))
    .filter((f) => /(^|\/)webgpu[^/]*_test\.ts$/.test(f))
    .map((f) => `src/${f}`)
    .sort(),
];

const logDir = mkdtempSync(join(tmpdir(), "shortgpt-test-"));
console.log(`Full output of each step: ${logDir}/<step>.log`);

/**
 * Runs one command, streaming its stdout and stderr line by line to `onLine(line, stream)` and
 * to the step's log file. Resolves to `{ code, signal }`.
 */
function runStreaming(cmd, args, log, onLine) {
  return new Promise((resolve) => {
    log.write(`\n$ ${cmd} ${args.join(" ")}\n`);
    const child = spawn(cmd, args, { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let open = 2, exit = null;
    const done = () => open === 0 && exit && resolve(exit);
    for (const stream of ["stdout", "stderr"]) {
      const rl = createInterface({ input: child[stream], crlfDelay: Infinity });
      rl.on("line", (raw) => {
        const line = strip(raw);
        log.write(line + "\n");
        onLine(line, stream);
      });
      rl.on("close", () => {
        open--;
        done();
      });
    }
    child.on("error", (e) => {
      log.write(`could not start ${cmd}: ${e.message}\n`);
      exit = { code: 127, signal: null, error: e.message };
      open = 0;
      done();
    });
    child.on("close", (code, signal) => {
      exit ??= { code, signal };
      done();
    });
  });
}

/**
 * Turns a runtime's stream into one printed line per test file. The runtime's parser calls
 * `file(path)` when a file starts, `result("pass" | "fail" | "skip")` per test, `end()` when the
 * last file is over; every line is kept with the current file and printed after its line if
 * the file failed.
 */
class FileProgress {
  #name;
  #current = null;
  /** Skip reasons (the harness prints `SKIP <test>: <reason>`) and how many tests each skipped. */
  skips = new Map();
  failedFiles = [];

  constructor(name) {
    this.#name = name;
  }

  /** How long each file ran where the runtime says so (Node), which may come before or after its results. */
  #ms = new Map();

  file(path) {
    this.end();
    this.#current = { path, pass: 0, fail: 0, skip: 0, lines: [], t0: performance.now() };
  }

  time(path, ms) {
    this.#ms.set(path, ms);
  }

  result(kind) {
    if (!this.#current || this.#current.title) this.file("(outside any file)");
    this.#current[kind]++;
  }

  line(text) {
    const skip = text.match(/^SKIP (.*): (.+)$/);
    if (skip) this.skips.set(skip[2], (this.skips.get(skip[2]) ?? 0) + 1);
    this.#current?.lines.push(text);
  }

  /** Marks the current file failed without a failed test (it did not load, or crashed). */
  broken() {
    if (!this.#current || this.#current.title) this.file("(outside any file)");
    this.#current.fail ||= 1;
  }

  /** Lines that are no file's but must be shown (Deno's ERRORS section), under `title`. */
  block(title) {
    this.end();
    this.#current = { title, lines: [] };
  }

  end() {
    const f = this.#current;
    if (!f) return;
    this.#current = null;
    if (f.title) {
      console.log(`  ${this.#name} ${f.title}:`);
      for (const l of f.lines) console.log(`    | ${l}`);
      return;
    }
    const counts = [`${f.pass} passed`, f.fail && `${f.fail} failed`, f.skip && `${f.skip} skipped`];
    const status = f.fail ? "FAIL" : "ok  ";
    const ms = this.#ms.get(f.path);
    const secs = ms === undefined ? seconds(f.t0) : (ms / 1000).toFixed(1);
    console.log(`  ${this.#name} ${status} ${f.path}: ${counts.filter(Boolean).join(", ")} (${secs} s)`);
    if (f.fail) {
      this.failedFiles.push(f.path);
      for (const l of f.lines) console.log(`    | ${l}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Parsers of each runtime's output: they feed a FileProgress and read the runtime's own totals
// into `sum` ({ passed, failed, skipped }, `read` once complete).

/** `deno test`'s default reporter: `running N tests from ./x_test.ts`, then `name ... ok (3ms)`. */
function denoParser(p, sum) {
  let errors = false, started = false;
  return (line) => {
    const total = line.match(
      /^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \| (\d+) ignored)?/,
    );
    if (total) {
      p.end();
      return void Object.assign(sum, { passed: +total[1], failed: +total[2], skipped: +(total[3] ?? 0), read: true });
    }
    if (errors) return void p.line(line);
    const start = line.match(/^running \d+ tests? from \.\/(.+)$/);
    if (start) {
      started = true;
      return void p.file(start[1]);
    }
    if (/^\s*ERRORS\s*$/.test(line)) { // the failures' details follow: printed as one more block
      errors = true;
      return void p.block("failure details (Deno's ERRORS section)");
    }
    p.line(line);
    const r = line.match(/^\S.* \.\.\. (ok|FAILED|ignored)\b/); // indented lines are steps
    if (r) p.result(r[1] === "ok" ? "pass" : r[1] === "FAILED" ? "fail" : "skip");
    if (!started && /^error: /.test(line)) p.broken(); // a module that does not load
  };
}

/** scripts/_node_file_reporter.mjs: tab-separated `file`, `pass`, `fail`, `skip`, `out`, `end`, `diag` rows. */
function nodeParser(p, sum) {
  return (line) => {
    const [kind, ...rest] = line.split("\t");
    if (kind === "file") return void p.file(rest[0]);
    if (kind === "time") return void p.time(rest[0], +rest[1]);
    if (kind === "pass" || kind === "skip") return void p.result(kind);
    if (kind === "fail") {
      p.result("fail");
      return void p.line(`FAILED ${rest[0]}\n${JSON.parse(rest[1])}`);
    }
    if (kind === "out") return void JSON.parse(rest[0]).replace(/\n$/, "").split("\n").forEach((l) => p.line(l));
    if (kind === "end") return void p.end();
    const diag = line.match(/^diag\t(pass|fail|skipped) (\d+)$/);
    if (diag) {
      sum[{ pass: "passed", fail: "failed", skipped: "skipped" }[diag[1]]] = +diag[2];
      sum.read = [sum.passed, sum.failed, sum.skipped].every((n) => n !== undefined);
      return;
    }
    p.line(line);
  };
}

/** `bun test`: `path/x_test.ts:` on stderr, then `(pass) name [3ms]`, `(fail) ...`, `(skip) ...`. */
function bunParser(p, sum) {
  let recap = false;
  return (line) => {
    const total = line.match(/^\s*(\d+) (pass|fail|skip)$/);
    if (total) {
      p.end();
      return void (sum[{ pass: "passed", fail: "failed", skip: "skipped" }[total[2]]] = +total[1]);
    }
    if (/^Ran \d+ tests? across/.test(line)) {
      return void Object.assign(sum, { passed: 0, failed: 0, skipped: 0, ...sum, read: true });
    }
    const start = line.match(/^(\S+_test\.[cm]?[jt]s):$/);
    if (start) return void p.file(start[1]);
    if (/^\d+ tests? (skipped|failed|todo):$/.test(line)) recap = true; // a list of tests already counted
    if (recap) return;
    p.line(line);
    const r = line.match(/^\((pass|fail|skip|todo)\) /);
    if (r) p.result(r[1] === "todo" ? "skip" : r[1]);
  };
}

// ---------------------------------------------------------------------------------------------
// The steps.

/** `deno fmt --check`, then `deno check --doc`: one summary line, `style: ok` or what failed. */
async function style(log) {
  const problems = [];
  for (
    const [what, args] of [
      ["deno fmt --check", ["fmt", "--check"]],
      ["deno check --doc", ["check", "--doc", ...CHECKED]],
    ]
  ) {
    const t0 = performance.now();
    const shown = [];
    const r = await runStreaming(bin("deno"), args, log, (line) => {
      if (!/^(Check|Checked \d+ files?)\b/.test(line) && line !== "") shown.push(line);
    });
    const ok = r.code === 0;
    if (what === "deno check --doc") typeChecked = ok;
    console.log(`  style ${ok ? "ok  " : "FAIL"} ${[what, ...args.slice(2)].join(" ")} (${seconds(t0)} s)`);
    if (!ok) {
      for (const l of shown.slice(0, 60)) console.log(`    | ${l}`);
      if (shown.length > 60) console.log(`    | ... (${shown.length - 60} more lines in ${log.path})`);
      problems.push(what);
    }
  }
  return { line: problems.length ? `style: failed (${problems.join(", ")})` : "style: ok", ok: !problems.length };
}

/** A test runtime: its commands, each streamed through `parser`, and the summed counts. */
async function tests(name, log, cmds, parser) {
  const p = new FileProgress(name);
  const res = { passed: 0, failed: 0, skipped: 0 };
  let ok = true, read = true;
  const exits = [];
  for (const { cmd, args, what } of cmds) {
    const sum = {};
    const r = await runStreaming(cmd, args, log, parser(p, sum));
    p.end();
    const crash = r.signal ?? ([134, 139].includes(r.code) ? `exit code ${r.code}` : null);
    if (crash) console.log(`  ${name} FAIL ${what}: the process ended by ${crash} (README, Known issues)`);
    else if (r.code !== 0) console.log(`  ${name} FAIL ${what}: the process exited with code ${r.code}`);
    if (r.code !== 0) {
      ok = false;
      exits.push(`${what} ended by ${crash ?? `exit code ${r.code}`}`);
    }
    if (!sum.read) {
      read = false;
      console.log(`  ${name} FAIL ${what}: no test summary (exit ${r.code ?? r.signal})`);
      continue;
    }
    for (const k of Object.keys(res)) res[k] += sum[k];
  }
  for (const [reason, n] of p.skips) console.log(`  ${name} skipped ${n}: ${reason}`);
  if (!ok || p.failedFiles.length) console.log(`  ${name}: full output in ${log.path}`);
  if (!read) return { line: `${name}: could not read a test summary`, ok: false };
  ok &&= res.failed === 0 && res.passed > 0;
  const line = `${name}: ${res.passed} passed, ${res.failed} failed, ${res.skipped} skipped`;
  return { line: exits.length ? `${line}; FAIL: ${exits.join(", ")}` : line, ok, res };
}

/** Whether the style step has type-checked every file in this run (then `deno test` need not). */
let typeChecked = false;
const deno = (args) => ({
  cmd: bin("deno"),
  args: ["test", "-A", "--unstable-webgpu", typeChecked ? "--no-check" : "--no-check=remote", ...args],
});

const steps = {
  style,
  deno: (log) =>
    tests("deno", log, [
      // --ignore replaces deno.json's "exclude", so the build outputs are listed again.
      {
        what: "tests without WebGPU",
        ...deno([`--ignore=${[...GPU_TESTS, "dist", "dist-test", "dist-bench", "node_modules"].join(",")}`]),
      },
      // The WebGPU tests in a process of their own (README, Known issues).
      { what: "WebGPU tests", ...deno(GPU_TESTS) },
    ], denoParser),
  node: async (log) => {
    const t0 = performance.now();
    const build = await runStreaming(process.execPath, ["scripts/build.mjs", "--tests"], log, () => {});
    console.log(`  node ${build.code === 0 ? "ok  " : "FAIL"} build of dist-test/ (${seconds(t0)} s)`);
    if (build.code !== 0) return { line: `node: build failed (log ${log.path})`, ok: false };
    const reporter = "--test-reporter=./scripts/_node_file_reporter.mjs";
    const args = ["--test", "--test-concurrency=2", reporter, "dist-test/"];
    return tests("node", log, [{ what: "tests", cmd: process.execPath, args }], nodeParser);
  },
  // Paths with ./ (without it Bun reads them as name filters and would also run dist-test/).
  bun: (log) =>
    tests(
      "bun",
      log,
      [{ what: "tests", cmd: bin("bun"), args: ["test", "--timeout", "300000", "./src", "./kernels"] }],
      bunParser,
    ),
};

const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(steps);
for (const name of chosen) {
  if (!steps[name]) throw new Error(`unknown step "${name}"; choose from ${Object.keys(steps).join(", ")}`);
}
const lines = [];
const total = { passed: 0, failed: 0 };
let ok = true;
for (const name of chosen) {
  console.log(`\n===== ${name} =====`);
  const t0 = performance.now();
  const log = createWriteStream(join(logDir, `${name}.log`));
  const r = await steps[name](log);
  await new Promise((resolve) => log.end(resolve));
  lines.push(r.res ? r.line.replace(/ skipped/, ` skipped (${seconds(t0).replace(/\.\d$/, "")} s)`) : r.line);
  if (r.res) { for (const k of Object.keys(total)) total[k] += r.res[k]; }
  ok &&= r.ok;
}
// ---- Packages and the browser page (scripts/package_check.mjs, scripts/browser_check.mjs).
// Each prints `NAME: N passed, M failed, K skipped` last; run when no runtime names are given.
if (process.argv.slice(2).length === 0) {
  for (const script of ["package_check.mjs", "browser_check.mjs"]) {
    console.log(`\n===== ${script} =====`);
    const r = spawnSync(process.execPath, [`scripts/${script}`], { encoding: "utf8", maxBuffer: 1 << 26 });
    process.stdout.write((r.stdout ?? "") + (r.stderr ?? ""));
    const m = /^(\w+): (\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(r.stdout ?? "");
    lines.push(m ? m[0] : `${script}: no summary (exit ${r.status})`);
    if (m) { for (const [k, i] of [["passed", 2], ["failed", 3], ["skipped", 4]]) total[k] += Number(m[i]); }
    if (r.status !== 0 || !m) {
      ok = false;
      console.log(`FAIL ${script}: the process ended by ${r.signal ?? `exit code ${r.status}`}`);
    }
  }
}
// ---- end of the package and browser hook

console.log("\n" + lines.join("\n"));
console.log(`${total.passed} passed, ${total.failed} failed`);
if (!ok) {
  console.log(`FAILED: see the lines marked FAIL above (full output in ${logDir})`);
  process.exit(1);
}
