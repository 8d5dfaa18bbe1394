// Builds the Node/npm entry points with esbuild: dist/cli.js (the `shortgpt` bin) and dist/mod.js.
// With --tests it also compiles every *_test.ts to dist-test/ for Node's test runner, and with
// --bench the benchmarks to dist-bench/.
import { build } from "esbuild";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
  // Workers and test helpers import runtime modules by variable specifier; nothing to mark here.
};

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".") || name.startsWith("dist")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith("_test.ts")) out.push(p);
  }
  return out;
}

// The CLI runs its main() when import.meta.main is true (Deno and Bun set it; Node does not).
await build({
  ...common,
  entryPoints: ["src/cli.ts"],
  outdir: "dist",
  banner: { js: "#!/usr/bin/env node" },
  define: { "import.meta.main": "true" },
});
await build({ ...common, entryPoints: ["mod.ts"], outdir: "dist" });
// The CPU backend's matmul worker is started by URL, not imported: each output folder gets its own
// copy at its top, where src/backend/_cpu_pool.ts looks for it (walking up from the bundle).
const cpuWorker = (outdir) => build({ ...common, entryPoints: { _cpu_worker: "src/backend/_cpu_worker.ts" }, outdir });
await cpuWorker("dist");

if (process.argv.includes("--bench")) {
  await build({
    ...common,
    entryPoints: ["bench/forward.ts", "bench/kernels.ts", "bench/versus_torch.ts"],
    outdir: "dist-bench",
  });
  await cpuWorker("dist-bench");
}

if (process.argv.includes("--tests")) {
  rmSync("dist-test", { recursive: true, force: true });
  await build({ ...common, entryPoints: findTests("."), outdir: "dist-test", outbase: "." });
  await cpuWorker("dist-test");
}
