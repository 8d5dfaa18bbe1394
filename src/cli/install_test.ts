/**
 * The CLI outside the clone, installed the way the README's "Running the CLI outside the clone"
 * says, each runtime its own way, into a temporary folder and run from another temporary folder
 * (no network: the install links the clone, whose dependencies are already in node_modules/):
 *
 * - Node: `npm install -g --prefix <tmp> --offline <clone>` (what `npm link` does, in a
 *   throw-away prefix), then `<tmp>/bin/shortgpt`.
 * - Deno: `deno install -g -A --unstable-webgpu -n shortgpt --root <tmp> --config
 *   <clone>/deno.json <clone>/src/cli.ts`, then `<tmp>/bin/shortgpt`.
 * - Bun: `bun <clone>/src/cli.ts`, which needs no install.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { runtime, test } from "../testing/harness.ts";
import { repoRoot } from "./_error_cases.ts";

const ROOT = repoRoot();
const MODEL = join(ROOT, "testdata", "models", "stories260K");
/** An install or a CLI run still going after this long is killed and the test fails. */
const TIMEOUT_MS = 120_000;

/** `cmd args` in `cwd`; fails the test with its output unless it exits 0. */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    timeout: TIMEOUT_MS,
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  const shown = `${cmd} ${args.join(" ")} (in ${cwd})`;
  if (r.error) assert.fail(`${shown} could not run: ${r.error.message}`);
  assert.equal(r.status, 0, `${shown} exited with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** How npm is started here (`npm test` says where its own CLI is), or why it cannot be. */
function npmCommand(): { cmd: string; args: string[] } | { skip: string } {
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.js$/.test(execPath)) return { cmd: process.execPath, args: [execPath] };
  const probe = spawnSync("npm", ["--version"], { encoding: "utf8" });
  return probe.status === 0 ? { cmd: "npm", args: [] } : { skip: "npm is not on PATH, so it cannot install the CLI" };
}

/** The checks on a CLI started from outside the clone: `info` on a bundled model. */
function assertInfoWorks(r: SpawnSyncReturns<string>): void {
  assert.match(r.stdout, /^family\s+llama$/m, `info printed:\n${r.stdout}`);
  assert.match(r.stdout, /^layers\s+5$/m, `info printed:\n${r.stdout}`);
}

/** A fresh temporary folder outside the clone, removed after `fn`. */
async function inTemp(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "shortgpt-install-")));
  assert.ok(!dir.startsWith(ROOT), `${dir} is inside the clone`);
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Each runtime tests its own way (the others' tests are not registered there, not skipped).
if (runtime === "node") {
  const npm = npmCommand();
  test(
    "npm install -g --prefix <tmp> <clone> (npm link) gives a shortgpt command that works outside the clone",
    () =>
      inTemp((dir) => {
        if ("skip" in npm) return;
        const prefix = join(dir, "prefix"), bin = join(prefix, "bin", "shortgpt");
        assert.ok(
          existsSync(join(ROOT, "dist", "cli.js")),
          "dist/cli.js is missing: run `node scripts/build.mjs` first",
        );
        const flags = ["-g", "--prefix", prefix, "--offline", "--no-audit", "--no-fund"];
        run(npm.cmd, [...npm.args, "install", ...flags, ROOT], dir);
        assertInfoWorks(run(bin, ["info", MODEL], dir));
      }),
    { skip: "skip" in npm ? npm.skip : undefined },
  );
}

if (runtime === "deno") {
  test(
    "deno install --root <tmp> --config <clone>/deno.json <clone>/src/cli.ts gives a shortgpt command that works outside the clone",
    () =>
      inTemp((dir) => {
        // deno-lint-ignore no-explicit-any
        const deno = (globalThis as any).Deno.execPath() as string;
        const root = join(dir, "root"), bin = join(root, "bin", "shortgpt");
        const args = ["install", "-g", "-A", "--unstable-webgpu", "-n", "shortgpt", "--root", root];
        run(deno, [...args, "--config", join(ROOT, "deno.json"), join(ROOT, "src", "cli.ts")], dir);
        // The installed script runs `deno` from PATH.
        const path = `${dirname(deno)}${delimiter}${process.env.PATH ?? ""}`;
        assertInfoWorks(run(bin, ["info", MODEL], dir, { PATH: path }));
      }),
  );
}

if (runtime === "bun") {
  test("bun <clone>/src/cli.ts works outside the clone", () =>
    inTemp((dir) => {
      assertInfoWorks(run(process.execPath, [join(ROOT, "src", "cli.ts"), "info", MODEL], dir));
    }));
}
