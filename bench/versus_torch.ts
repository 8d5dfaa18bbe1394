/**
 * Our CPU forward against PyTorch's CPU forward of the same random-weight Llama shape, in one
 * run, and the ratio of their times: the machines we measure on are shared and noisy, so only a
 * ratio taken side by side means something (docs/performance.md).
 *
 *   deno run -A bench/versus_torch.ts                         stories110m, T=256, 2 threads, exact and fast
 *   deno run -A bench/versus_torch.ts --shape stories15m --tokens 128 --threads 1 --runs 3
 *   node scripts/build.mjs --bench && node dist-bench/versus_torch.js   /  bun bench/versus_torch.ts
 *
 * PyTorch is Debian's (`apt-get install python3-torch libopenblas0-pthread`), run by
 * `/usr/bin/python3` (not a pyenv python3 in PATH) on bench/_torch_forward.py, with OpenBLAS
 * threads set to ours. The benchmark refuses to print a ratio when torch loaded no OpenBLAS:
 * Debian's torch then falls back to the reference BLAS, ~40× slower, and the ratio would flatter us.
 * The runs alternate (torch, exact, fast, then again) and each reports its median.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { getThreads, type Precision, setPrecision, setThreads } from "../src/backend/cpu.ts";
import { forward } from "../src/models/forward.ts";
import { randomLlama, SHAPES } from "../src/testing/shapes.ts";
import { flag, machine, medianMs } from "./_machine.ts";

const PYTHON = "/usr/bin/python3";
const shape = flag("shape", "stories110m");
const T = Number(flag("tokens", "256"));
const runs = Number(flag("runs", "5"));
setThreads(Number(flag("threads", "2")));
const s = SHAPES[shape];
if (!s) throw new Error(`unknown shape "${shape}"; known: ${Object.keys(SHAPES).join(", ")}`);
if (s.kvHeads !== s.heads) {
  throw new Error(`bench/_torch_forward.py has no grouped-query attention; "${shape}" needs it`);
}

/** PyTorch's median forward in ms, or why it could not run. */
function torchMs(): { ms: number; blas: string[]; torch: string } | string {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  // beside this file (Deno, Bun), or in bench/ above dist-bench/ (the Node bundle)
  const script = [
    new URL("./_torch_forward.py", import.meta.url),
    new URL("../bench/_torch_forward.py", import.meta.url),
  ]
    .map((u) => fileURLToPath(u)).find((f) => existsSync(f));
  if (!script) return `bench/_torch_forward.py is not beside ${import.meta.url}`;
  const threads = String(getThreads());
  const r = spawnSync(
    PYTHON,
    [script, ...[s.dim, s.layers, s.heads, s.ffn, s.vocab, T, threads, runs].map(String)],
    { encoding: "utf8", env: { ...process.env, OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads } },
  );
  if (r.status !== 0) {
    const why = /No module named 'torch'/.test(r.stderr) ? "python3-torch is not installed" : r.stderr.trim();
    return `${why} (apt-get install python3-torch libopenblas0-pthread)`;
  }
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  if (!out.blas.some((l: string) => /openblas/.test(l))) {
    return `torch loaded no OpenBLAS (${
      out.blas.join(", ") || "no BLAS"
    }): its reference BLAS would give a false ratio; apt-get install libopenblas0-pthread`;
  }
  return out;
}

const model = randomLlama(shape);
const ids = Int32Array.from({ length: T }, (_, i) => (i * 7919) % s.vocab);
async function oursMs(p: Precision): Promise<number> {
  setPrecision(p);
  return await medianMs(() => forward(model, ids), runs);
}

console.log(`# ${machine()}\n# ${shape}, T=${T}, ${getThreads()} threads, medians of ${runs} after a warm-up\n`);
const rows: { what: string; ms: number[] }[] = [
  { what: "pytorch", ms: [] },
  { what: "ours, --precision exact", ms: [] },
  { what: "ours, --precision fast", ms: [] },
];
let torchInfo = "";
for (let round = 0; round < 2; round++) {
  const t = torchMs();
  if (typeof t === "string") {
    console.log(`PyTorch skipped: ${t}`);
    rows[0].ms = [];
  } else {
    rows[0].ms.push(t.ms);
    torchInfo = `torch ${t.torch}, ${t.blas.find((l) => /openblas/.test(l))}`;
  }
  rows[1].ms.push(await oursMs("exact"));
  rows[2].ms.push(await oursMs("fast"));
}
if (torchInfo) console.log(`# ${torchInfo}`);
const torch = rows[0].ms.length ? Math.min(...rows[0].ms) : NaN;
for (const r of rows) {
  if (!r.ms.length) continue;
  const best = Math.min(...r.ms), ratio = best / torch;
  console.log(
    `${r.what.padEnd(26)} ${r.ms.map((m) => m.toFixed(0).padStart(6)).join(" ")} ms  ${
      (T / best * 1000).toFixed(1).padStart(7)
    } tok/s  ${Number.isNaN(ratio) ? "" : `${ratio.toFixed(2)}× PyTorch's time`}`,
  );
}
