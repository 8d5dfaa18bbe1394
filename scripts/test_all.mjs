// `npm test`: runs the one test suite on Deno, Node and Bun in turn and prints one summary line
// per runtime (`deno: N passed, M failed, K skipped`) and a total. Fails if any runtime fails or
// runs no test. Pass runtime names to run only some: `node scripts/test_all.mjs deno bun`.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const bin = (name) => (existsSync(`node_modules/.bin/${name}`) ? `node_modules/.bin/${name}` : name);
const ESC = String.fromCharCode(27);
const strip = (s) => s.replaceAll(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "");

const runtimes = {
  deno: {
    cmd: [bin("deno"), ["test", "-A", "--unstable-webgpu", "--no-check=remote"]],
    parse(out) {
      const m = out.match(/(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \| (\d+) ignored)?/);
      return m && { passed: +m[1], failed: +m[2], skipped: +(m[3] ?? 0) };
    },
  },
  node: {
    prepare: [process.execPath, ["scripts/build.mjs", "--tests"]],
    cmd: [process.execPath, ["--test", "--test-reporter=spec", "--test-concurrency=2", "dist-test/"]],
    parse(out) {
      const p = out.match(/ℹ pass (\d+)/), f = out.match(/ℹ fail (\d+)/), s = out.match(/ℹ skipped (\d+)/);
      return p && f && { passed: +p[1], failed: +f[1], skipped: +(s?.[1] ?? 0) };
    },
  },
  bun: {
    // Paths with ./ (without it Bun reads them as name filters and would also run dist-test/).
    cmd: [bin("bun"), ["test", "--timeout", "300000", "./src", "./kernels"]],
    parse(out) {
      const p = out.match(/^\s*(\d+) pass/m), f = out.match(/^\s*(\d+) fail/m), s = out.match(/^\s*(\d+) skip/m);
      return p && f && { passed: +p[1], failed: +f[1], skipped: +(s?.[1] ?? 0) };
    },
  },
};

const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(runtimes);
const lines = [];
let ok = true;
const total = { passed: 0, failed: 0, skipped: 0 };
for (const name of chosen) {
  const rt = runtimes[name];
  if (!rt) throw new Error(`unknown runtime "${name}"; choose from ${Object.keys(runtimes).join(", ")}`);
  console.log(`\n===== ${name} =====`);
  if (rt.prepare) {
    const r = spawnSync(rt.prepare[0], rt.prepare[1], { stdio: "inherit" });
    if (r.status !== 0) { lines.push(`${name}: build failed`); ok = false; continue; }
  }
  const t0 = Date.now();
  const runOnce = () => {
    const r = spawnSync(rt.cmd[0], rt.cmd[1], { encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: "1" } });
    const out = strip((r.stdout ?? "") + "\n" + (r.stderr ?? ""));
    process.stdout.write(out);
    return { r, out, res: rt.parse(out) };
  };
  let { r, out, res } = runOnce();
  // Known issue: Deno sometimes aborts in native code at exit (glibc "corrupted size vs.
  // prev_size", exit 134) after every test has passed, when worker threads and the WebGPU device
  // are torn down together. That is a crash, not a test result: say so and run the suite again
  // once; a second abort, or any failed test, still fails.
  if (r.status === 134 && res && res.failed === 0) {
    console.log(`\n${name}: aborted at exit (status 134) after ${res.passed} passed, 0 failed; running once more`);
    lines.push(`${name}: note: the first run aborted at exit after all tests passed (README, Known issues); rerun below`);
    ({ r, out, res } = runOnce());
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  if (!res) { lines.push(`${name}: could not read a test summary (exit ${r.status})`); ok = false; continue; }
  lines.push(`${name}: ${res.passed} passed, ${res.failed} failed, ${res.skipped} skipped (${secs} s)`);
  for (const k of Object.keys(total)) total[k] += res[k];
  if (r.status !== 0 || res.failed > 0 || res.passed === 0) ok = false;
}
console.log("\n" + lines.join("\n"));
console.log(`${total.passed} passed, ${total.failed} failed`);
if (!ok) { console.log("FAILED: see the runtime sections above"); process.exit(1); }
