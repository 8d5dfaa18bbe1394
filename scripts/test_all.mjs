// `npm test`: runs the one test suite on Deno, Node and Bun in turn and prints one summary line
// per runtime (`deno: N passed, M failed, K skipped`) and a total. Fails if any runtime fails or
// runs no test. Pass runtime names to run only some: `node scripts/test_all.mjs deno bun`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const bin = (name) => (existsSync(`node_modules/.bin/${name}`) ? `node_modules/.bin/${name}` : name);
const ESC = String.fromCharCode(27);
const strip = (s) => s.replaceAll(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "");

/** The test files that open a WebGPU device: the GPU kernels' and src/backend/webgpu*_test.ts. */
const GPU_TESTS = [
  "kernels/gpu",
  "kernels/wgsl",
  ...readdirSync("src/backend").filter((f) => /^webgpu.*_test\.ts$/.test(f)).map((f) => `src/backend/${f}`),
];

/**
 * Reruns of a process that crashed at exit after all its tests passed (README, Known issues).
 * Measured here: about 1 GPU-test process in 10 crashes, at random (not tied to a test, the shader
 * cache or the output being a pipe), so four reruns leave a spurious failure at about 1e-5.
 */
const MAX_RERUNS = 4;

const runtimes = {
  deno: {
    // Two processes: the WebGPU tests apart from the rest. Deno 2.9.6 can abort in native code
    // at exit when the CPU backend's worker threads and a WebGPU device are torn down together
    // (README, Known issues); apart, neither does.
    cmds: [
      // --ignore replaces deno.json's "exclude", so the build outputs are listed again here.
      [bin("deno"), [
        "test",
        "-A",
        "--unstable-webgpu",
        "--no-check=remote",
        `--ignore=${[...GPU_TESTS, "dist", "dist-test", "dist-bench", "node_modules"].join(",")}`,
      ]],
      [bin("deno"), ["test", "-A", "--unstable-webgpu", "--no-check=remote", ...GPU_TESTS]],
    ],
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
    if (r.status !== 0) {
      lines.push(`${name}: build failed`);
      ok = false;
      continue;
    }
  }
  const t0 = Date.now();
  const runOnce = (cmd) => {
    const r = spawnSync(cmd[0], cmd[1], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
      env: { ...process.env, NO_COLOR: "1" },
    });
    const out = strip((r.stdout ?? "") + "\n" + (r.stderr ?? ""));
    process.stdout.write(out);
    return { r, res: rt.parse(out) };
  };
  let res = { passed: 0, failed: 0, skipped: 0 }, status = 0, unread = false;
  for (const cmd of rt.cmds ?? [rt.cmd]) {
    let run = runOnce(cmd);
    // A crash at exit (abort or segfault in native code) after every test passed is not a result:
    // say so and run again, at most MAX_RERUNS times; one more crash, or any failed test, fails.
    const crashed = (x) =>
      (["SIGABRT", "SIGSEGV"].includes(x.r.signal) || [134, 139].includes(x.r.status)) && x.res && x.res.failed === 0;
    let reruns = 0;
    for (; reruns < MAX_RERUNS && crashed(run); reruns++) {
      console.log(
        `\n${name}: crashed at exit after ${run.res.passed} passed, 0 failed; running again (${
          reruns + 1
        } of ${MAX_RERUNS})`,
      );
      run = runOnce(cmd);
    }
    if (reruns > 0) {
      lines.push(
        `${name}: note: ${reruns} run(s) crashed at exit after all their tests passed (README, Known issues) and were rerun`,
      );
    }
    if (!run.res) {
      unread = true;
      status = run.r.status ?? 1;
      continue;
    }
    for (const k of Object.keys(res)) res[k] += run.res[k];
    if (run.r.status !== 0) status = run.r.status ?? 1;
  }
  if (unread) res = null;
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  if (!res) {
    lines.push(`${name}: could not read a test summary (exit ${status})`);
    ok = false;
    continue;
  }
  lines.push(`${name}: ${res.passed} passed, ${res.failed} failed, ${res.skipped} skipped (${secs} s)`);
  for (const k of Object.keys(total)) total[k] += res[k];
  if (status !== 0 || res.failed > 0 || res.passed === 0) ok = false;
}
// ---- Packages and the browser page (issue 17; scripts/package_check.mjs, scripts/browser_check.mjs).
// Each prints `NAME: N passed, M failed, K skipped` last; run when no runtime names are given.
if (process.argv.slice(2).length === 0) {
  for (const script of ["package_check.mjs", "browser_check.mjs"]) {
    console.log(`\n===== ${script} =====`);
    const r = spawnSync(process.execPath, [`scripts/${script}`], { encoding: "utf8", maxBuffer: 1 << 26 });
    process.stdout.write((r.stdout ?? "") + (r.stderr ?? ""));
    const m = /^(\w+): (\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(r.stdout ?? "");
    lines.push(m ? m[0] : `${script}: no summary (exit ${r.status})`);
    if (m) { for (const [k, i] of [["passed", 2], ["failed", 3], ["skipped", 4]]) total[k] += Number(m[i]); }
    if (r.status !== 0 || !m) ok = false;
  }
}
// ---- end of the package and browser hook

console.log("\n" + lines.join("\n"));
console.log(`${total.passed} passed, ${total.failed} failed`);
if (!ok) {
  console.log("FAILED: see the runtime sections above");
  process.exit(1);
}
