// Builds the Node/npm entry points with esbuild: dist/cli.js (the `shortgpt` bin) and dist/mod.js.
// With --web it builds the browser page into dist/web/ (see buildWeb). With --types it also writes the package's declarations to dist/types/ (tsc), with --tests it
// compiles every *_test.ts to dist-test/ for Node's test runner, and with --bench the benchmarks
// to dist-bench/.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
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

/** Files under `dir` whose names end with `suffix` (node_modules, dot folders and build outputs skipped). */
function findFiles(dir, suffix, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".") || (dir === "." && name.startsWith("dist"))) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findFiles(p, suffix, out);
    else if (name.endsWith(suffix)) out.push(p);
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

if (process.argv.includes("--types")) buildTypes("dist/types");
if (process.argv.includes("--web")) await buildWeb("dist/web");

/**
 * The browser page (web/): app.js, its analysis worker and the CPU backend's worker bundled for
 * the browser (ESM),
 * beside index.html and style.css. The page imports only runtime-neutral modules; a `node:*`
 * import reaching the bundle is an error here, naming the module that brought it in.
 */
async function buildWeb(outDir) {
  rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    entryPoints: {
      app: "web/app.ts",
      analysis_worker: "web/analysis_worker.ts",
      _cpu_worker: "src/backend/_cpu_worker.ts",
    },
    outdir: outDir,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    metafile: true,
    logLevel: "warning",
  });
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    const node = input.imports.filter((i) => i.path.startsWith("node:"));
    if (node.length) throw new Error(`the browser bundle reaches ${node[0].path} through ${file}`);
  }
  mkdirSync(outDir, { recursive: true });
  for (const f of ["index.html", "style.css"]) copyFileSync(join("web", f), join(outDir, f));
}

/**
 * Declarations for the npm package: esbuild emits no types, so tsc writes one .d.ts per module
 * (tsconfig.types.json: declarations only, unchecked, since `deno check` checks the sources).
 * Our sources import with `.ts` extensions; the declarations are rewritten to import `.js`, which
 * every TypeScript module resolution maps to the `.d.ts` beside it.
 */
function buildTypes(outDir) {
  rmSync(outDir, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", "tsconfig.types.json", "--outDir", outDir], { stdio: "inherit" });
  if (run.status !== 0) throw new Error(`tsc failed (exit ${run.status}) writing ${outDir}`);
  for (const file of findFiles(outDir, ".d.ts")) {
    const text = readFileSync(file, "utf8");
    // Only statements at the start of a line: a JSDoc @example keeps its `./mod.ts`.
    writeFileSync(file, text.replace(/^((?:import|export)\b[^;]*?\bfrom\s+"\.{1,2}\/[^"]*)\.ts"/gm, '$1.js"'));
  }
}

if (process.argv.includes("--bench")) {
  await build({
    ...common,
    entryPoints: ["bench/forward.ts", "bench/kernels.ts", "bench/versus_torch.ts", "bench/streaming.ts"],
    outdir: "dist-bench",
  });
  await cpuWorker("dist-bench");
}

if (process.argv.includes("--tests")) {
  rmSync("dist-test", { recursive: true, force: true });
  await build({ ...common, entryPoints: findFiles(".", "_test.ts"), outdir: "dist-test", outbase: "." });
  await cpuWorker("dist-test");
}
