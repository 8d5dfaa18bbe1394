// The packages as users get them (docs/browser.md, "Packages"): packs the npm tarball, installs it offline
// into a temporary project and imports it from Node (JavaScript, and TypeScript checked against
// the generated types) and Bun; imports mod.ts by path from a Deno script in an unrelated folder;
// runs the JSR checks (`deno publish --dry-run`, `deno doc --lint mod.ts`). Each check prints
// `ok`, `FAILED` or `skipped (why)`; the last line is `package: N passed, M failed, K skipped`.
//
//   node scripts/package_check.mjs
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = (name) => join(ROOT, "node_modules", ".bin", name);
/** The npm tarball may not exceed this (test data stays in the clone). */
const MAX_PACKED_BYTES = 5 * 1024 * 1024;
/** The fixture the consumers run: a real Llama checkpoint from the clone, outside the package. */
const MODEL = join(ROOT, "testdata", "models", "stories260K");
const IDS = [1, 403, 407, 261];

const counts = { passed: 0, failed: 0, skipped: 0 };

/** Runs `cmd` and returns its stdout; throws with its output when it fails. */
function sh(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (r.status !== 0) {
    throw new Error(`\`${[cmd, ...args].join(" ")}\` exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

function check(name, fn) {
  try {
    const skip = fn();
    if (typeof skip === "string") {
      counts.skipped++;
      console.log(`skipped - ${name} (${skip})`);
    } else {
      counts.passed++;
      console.log(`ok - ${name}`);
    }
  } catch (e) {
    counts.failed++;
    console.log(`FAILED - ${name}\n${e instanceof Error ? e.message : e}`);
  }
}

// A consumer's script: the logits of IDS as exact float32 bit patterns, so runtimes compare bit for bit.
const consumer = (specifier) =>
  `import { forward, loadModel, stopWorkers } from ${JSON.stringify(specifier)};
const model = loadModel(${JSON.stringify(MODEL)});
const { logits } = await forward(model, new Int32Array(${JSON.stringify(IDS)}));
console.log(Buffer.from(new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength)).toString("hex"));
stopWorkers();
`;

const work = mkdtempSync(join(tmpdir(), "shortgpt-package-"));
try {
  let tarball = "";
  check("npm pack: the tarball holds the library, its types and the bin, no test data, at most 5 MB", () => {
    const [info] = JSON.parse(sh("npm", ["pack", "--json", "--pack-destination", work], ROOT));
    tarball = join(work, info.filename);
    const files = info.files.map((f) => f.path);
    for (const need of ["dist/mod.js", "dist/cli.js", "dist/_cpu_worker.js", "dist/types/mod.d.ts", "package.json"]) {
      if (!files.includes(need)) throw new Error(`the tarball lacks ${need}; it holds ${files.join(", ")}`);
    }
    const stray = files.filter((f) =>
      f.startsWith("testdata/") || f.endsWith("_test.js") || f.endsWith(".ts") && !f.endsWith(".d.ts")
    );
    if (stray.length) throw new Error(`the tarball holds files users do not need: ${stray.slice(0, 5).join(", ")}`);
    if (info.size > MAX_PACKED_BYTES) {
      throw new Error(`the tarball is ${info.size} bytes packed, over ${MAX_PACKED_BYTES}`);
    }
  });

  const project = join(work, "project");
  let nodeLogits = "";
  check("npm install --offline of the tarball into a new project; Node imports it and runs a forward", () => {
    if (!tarball) return "no tarball";
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    sh("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], project);
    writeFileSync(join(project, "consumer.mjs"), consumer("shortgpt"));
    nodeLogits = sh(process.execPath, ["consumer.mjs"], project).trim();
    if (nodeLogits.length !== IDS.length * 512 * 8) throw new Error(`unexpected logits: ${nodeLogits.slice(0, 80)}`);
    sh(join(project, "node_modules", ".bin", "shortgpt"), ["--help"], project);
  });

  check("a TypeScript file type-checks against the package's generated types (tsc --strict)", () => {
    if (!nodeLogits) return "no installed package";
    writeFileSync(
      join(project, "consumer.ts"),
      `import { type CausalLM, loadModel, numel, type Tensor } from "shortgpt";
const model: CausalLM = loadModel("model-folder");
const layers: number = model.blocks.length;
const t: Tensor = { data: new Float32Array(6), shape: [2, 3] };
const n: number = numel(t.shape) + layers;
// The types are real, not \`any\`: a wrong argument must be an error.
// @ts-expect-error numel takes a shape, not a string
numel("2x3");
export { n };
`,
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2023", "dom"],
          types: [],
          skipLibCheck: true,
        },
        files: ["consumer.ts"],
      }),
    );
    sh(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], project);
  });

  check("Bun imports the installed package and gets Node's logits bit for bit", () => {
    if (!nodeLogits) return "no installed package";
    const got = sh(BIN("bun"), ["consumer.mjs"], project).trim();
    if (got !== nodeLogits) throw new Error("Bun's logits differ from Node's");
  });

  check("a Deno script in an unrelated folder imports mod.ts from the clone by path", () => {
    if (!nodeLogits) return "no installed package";
    const dir = join(work, "deno-script");
    mkdirSync(dir);
    writeFileSync(join(dir, "main.ts"), consumer(pathToFileURL(join(ROOT, "mod.ts")).href));
    const got = sh(BIN("deno"), ["run", "--allow-read", "--allow-env", "main.ts"], dir).trim();
    if (got !== nodeLogits) throw new Error("Deno's logits differ from Node's");
  });

  check("JSR: deno publish --dry-run is clean (no slow types)", () => {
    const out = spawnSync(BIN("deno"), ["publish", "--dry-run", "--allow-dirty"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const text = out.stdout + out.stderr;
    if (out.status !== 0 || /warning/i.test(text)) throw new Error(text.slice(-4000));
  });

  check("JSR: deno doc --lint mod.ts finds nothing (every public symbol documented and exported)", () => {
    const r = spawnSync(BIN("deno"), ["doc", "--lint", "mod.ts"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const text = r.stdout + r.stderr;
    const problems = text.match(/^error\[/gm)?.length ?? 0;
    if (r.status !== 0 || problems > 0) {
      throw new Error(`${problems} problem(s); the first ones (all: deno doc --lint mod.ts):\n${text.slice(0, 4000)}`);
    }
  });

  check("deno.json and package.json agree on the version", () => {
    const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
    const npm = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    if (deno.version !== npm.version) throw new Error(`deno.json ${deno.version}, package.json ${npm.version}`);
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(`package: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(counts.failed > 0 ? 1 : 0);
