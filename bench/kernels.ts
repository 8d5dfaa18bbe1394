/**
 * Where the time of a CPU forward goes: GFLOP/s of each kernel on a model's shapes, and the share
 * of one forward's time taken by each op.
 *
 *   deno run -A bench/kernels.ts                                   stories110m, T=256, a table
 *   deno run -A bench/kernels.ts --shape stories15m --tokens 128 --threads 1 --kernel js
 *   node scripts/build.mjs --bench && node dist-bench/kernels.js ...   bun bench/kernels.ts ...
 *
 * Part 1 times each kernel alone on the shapes one forward uses (matmul on one thread and through
 * `cpu.linear` on all threads; attention; the elementwise ops). Part 2 runs whole forwards of a
 * random-weight model through a timing wrapper around the `cpu` ops object (the kernels are not
 * touched): for the run with the median total time, per op and shape, its summed time in that
 * forward, its share of it, and its GFLOP/s. `--json` prints one JSON line per row instead of tables.
 *
 * @module
 */
import process from "node:process";
import { attention } from "../kernels/cpu/attention.ts";
import { matmul } from "../kernels/cpu/matmul.ts";
import { matmulWasm, wasmSimdAvailable } from "../kernels/cpu/matmul_wasm.ts";
import { attentionBlocked } from "../kernels/cpu/attention_blocked.ts";
import { rmsnorm } from "../kernels/cpu/rmsnorm.ts";
import { rope, ropeInvFreq } from "../kernels/cpu/rope.ts";
import { swiglu } from "../kernels/cpu/activations.ts";
import {
  cpu,
  getMatmulKernel,
  getThreads,
  type MatmulKernel,
  setMatmulKernel,
  setThreads,
} from "../src/backend/cpu.ts";
import type { Ops } from "../src/backend/ops.ts";
import { forward } from "../src/models/forward.ts";
import { runtimeName } from "../src/runtime.ts";
import { flag, machine, medianMs } from "./_machine.ts";
import { randomArray, randomLlama, SHAPES } from "../src/testing/shapes.ts";

const args = process.argv.slice(2);
const json = args.includes("--json");
const shapeName = flag("shape") ?? "stories110m";
const T = Number(flag("tokens") ?? 256);
const runs = Number(flag("runs") ?? 3);
if (flag("threads")) setThreads(Number(flag("threads")));
if (flag("kernel")) setMatmulKernel(flag("kernel") as MatmulKernel);
const s = SHAPES[shapeName];
if (!s) throw new Error(`unknown shape "${shapeName}"; known: ${Object.keys(SHAPES).join(", ")}`);
const D = s.dim, F = s.ffn, V = s.vocab, H = s.heads, Hkv = s.kvHeads, Hd = D / H;

function row(kind: string, r: { name: string; ms: number; gflops: number | null; share?: number; calls?: number }) {
  if (json) {
    console.log(
      JSON.stringify({ kind, shape: shapeName, tokens: T, runtime: runtimeName(), threads: getThreads(), ...r }),
    );
    return;
  }
  const gf = r.gflops === null ? "" : `${r.gflops.toFixed(2)} GFLOP/s`;
  const share = r.share === undefined ? "" : `${(100 * r.share).toFixed(1)} %`;
  const calls = r.calls === undefined ? "" : `${r.calls}×`;
  console.log(
    `${r.name.padEnd(36)} ${calls.padStart(5)} ${r.ms.toFixed(2).padStart(10)} ms ${share.padStart(8)} ${
      gf.padStart(15)
    }`,
  );
}

// ---- Part 1: each kernel alone ----------------------------------------------------------------

async function kernels() {
  if (!json) console.log(`\n## Kernels alone (${shapeName} shapes, T=${T}; median of 5 after a warm-up)\n`);
  const linears: [string, number, number][] = [
    ["q/k/v/o_proj", D, D],
    ["gate/up_proj", D, F],
    ["down_proj", F, D],
    ["lm_head", D, V],
  ];
  for (const [name, K, N] of linears) {
    const x = randomArray(T * K, 1), w = cpu.upload(randomArray(N * K, 2)), out = new Float32Array(T * N);
    const flops = 2 * T * K * N;
    const one = await medianMs(() => matmul(out, x, w, T, K, N), 5);
    row("kernel", {
      name: `matmul (js) ${name} [${T}x${K}]·[${N}x${K}]ᵀ, 1 thread`,
      ms: one,
      gflops: flops / one / 1e6,
    });
    if (wasmSimdAvailable()) {
      const simd = await medianMs(() => matmulWasm(out, x, w, T, K, N), 5);
      row("kernel", { name: `matmul (wasm-simd) ${name}, 1 thread`, ms: simd, gflops: flops / simd / 1e6 });
    }
    const all = await medianMs(() => cpu.linear(x, w, T, K, N), 5);
    row("kernel", {
      name: `linear (${getMatmulKernel()}) ${name}, ${getThreads()} threads`,
      ms: all,
      gflops: flops / all / 1e6,
    });
  }
  const q = randomArray(T * H * Hd, 3), k = randomArray(T * Hkv * Hd, 4), v = randomArray(T * Hkv * Hd, 5);
  const att = new Float32Array(T * H * Hd);
  const ams = await medianMs(() => attention(att, q, k, v, T, T, H, Hkv, Hd), 5);
  row("kernel", {
    name: `attention H=${H} Hd=${Hd} causal, 1 thread`,
    ms: ams,
    gflops: attentionFlops(T, T) / ams / 1e6,
  });
  const bms = await medianMs(() => attentionBlocked(att, q, k, v, T, T, H, Hkv, Hd), 5);
  row("kernel", { name: `attentionBlocked, 1 thread`, ms: bms, gflops: attentionFlops(T, T) / bms / 1e6 });
  const tms = await medianMs(() => cpu.attention(q, k, v, T, T, H, Hkv, Hd), 5);
  row("kernel", { name: `cpu.attention, ${getThreads()} threads`, ms: tms, gflops: attentionFlops(T, T) / tms / 1e6 });
  const x = randomArray(T * D, 6), g = randomArray(D, 7), y = new Float32Array(T * D);
  row("kernel", {
    name: `rmsnorm [${T}x${D}]`,
    ms: await medianMs(() => rmsnorm(y, x, g, T, D, 1e-5), 5),
    gflops: null,
  });
  const inv = ropeInvFreq(Hd, 10000, null);
  row("kernel", {
    name: `rope [${T}x${H}x${Hd}]`,
    ms: await medianMs(() => rope(q, T, H, Hd, 0, inv), 5),
    gflops: null,
  });
  const a = randomArray(T * F, 8), b = randomArray(T * F, 9), c = new Float32Array(T * F);
  row("kernel", { name: `swiglu [${T}x${F}]`, ms: await medianMs(() => swiglu(c, a, b, T * F), 5), gflops: null });
}

/** Multiply-adds of causal attention ×2: q·k and p·v over the visible keys of each query. */
function attentionFlops(Tq: number, Tk: number): number {
  let pairs = 0;
  for (let i = 0; i < Tq; i++) pairs += Tk - Tq + i + 1;
  return 2 * 2 * pairs * H * Hd;
}

// ---- Part 2: one forward, op by op ------------------------------------------------------------

type Stat = { ms: number; calls: number; flops: number };

/** `ops` with every op timed into `stats()` under a key naming the op and its shape. */
function timed(ops: Ops<Float32Array>, stats: () => Map<string, Stat>): Ops<Float32Array> {
  const linearName = (K: number, N: number) =>
    K === D && N === D
      ? "q/k/v/o_proj"
      : K === D && N === F
      ? "gate/up_proj"
      : K === F && N === D
      ? "down_proj"
      : K === D && N === V
      ? "lm_head"
      : `K=${K} N=${N}`;
  const add = (key: string, t0: number, flops = 0) => {
    const m = stats();
    const st = m.get(key) ?? { ms: 0, calls: 0, flops: 0 };
    st.ms += performance.now() - t0, st.calls++, st.flops += flops;
    m.set(key, st);
  };
  return {
    ...ops,
    embed(table, ids, D) {
      const t0 = performance.now(), r = ops.embed(table, ids, D);
      add("embed", t0);
      return r;
    },
    linear(x, w, T, K, N, bias) {
      const t0 = performance.now(), r = ops.linear(x, w, T, K, N, bias);
      add(`linear ${linearName(K, N)}`, t0, 2 * T * K * N);
      return r;
    },
    rmsnorm(x, weight, T, D, eps) {
      const t0 = performance.now(), r = ops.rmsnorm(x, weight, T, D, eps);
      add("rmsnorm", t0);
      return r;
    },
    rope(x, T, H, Hd, pos0, invFreq) {
      const t0 = performance.now();
      ops.rope(x, T, H, Hd, pos0, invFreq);
      add("rope", t0);
    },
    attention(q, k, v, Tq, Tk, H, Hkv, Hd, opts) {
      const t0 = performance.now(), r = ops.attention(q, k, v, Tq, Tk, H, Hkv, Hd, opts);
      add("attention", t0, attentionFlops(Tq, Tk));
      return r;
    },
    swiglu(gate, up, n) {
      const t0 = performance.now(), r = ops.swiglu(gate, up, n);
      add("swiglu", t0);
      return r;
    },
    addInPlace(x, y, n) {
      const t0 = performance.now();
      ops.addInPlace(x, y, n);
      add("addInPlace", t0);
    },
  };
}

async function profile() {
  const stats: Map<string, Stat>[] = [];
  const totals: number[] = [], cpuTotals: number[] = [];
  let current = new Map<string, Stat>();
  const model = randomLlama(shapeName, undefined, timed(cpu, () => current));
  const ids = Int32Array.from({ length: T }, (_, i) => (i * 7919) % V);
  await forward(model, ids); // warm-up
  for (let r = 0; r < runs; r++) {
    current = new Map();
    const t0 = performance.now(), c0 = process.cpuUsage();
    await forward(model, ids);
    totals.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuTotals.push((c.user + c.system) / 1000);
    stats.push(current);
  }
  // the run with the median total, op by op (so the rows add up to its total)
  const mid = totals.map((t, i) => [t, i]).sort((a, b) => a[0] - b[0])[runs >> 1][1];
  const total = totals[mid], cpuTotal = cpuTotals[mid], ops = stats[mid];
  if (!json) {
    console.log(
      `\n## One forward of ${shapeName} (random weights), T=${T}, ${getThreads()} threads, ${getMatmulKernel()} matmul: ` +
        `median ${total.toFixed(0)} ms = ${(T / total * 1000).toFixed(1)} tok/s over ${runs} runs` +
        ` (process CPU time ${cpuTotal.toFixed(0)} ms, all threads; a busy machine shows as wall ≫ CPU / threads)\n`,
    );
  }
  let accounted = 0;
  for (const [key, { ms, calls, flops }] of [...ops].sort((a, b) => b[1].ms - a[1].ms)) {
    accounted += ms;
    row("op", { name: key, calls, ms, share: ms / total, gflops: flops ? flops / ms / 1e6 : null });
  }
  row("op", {
    name: "outside the ops (forward loop, GC)",
    ms: total - accounted,
    share: (total - accounted) / total,
    gflops: null,
  });
  row("forward", { name: "forward total", ms: total, share: 1, gflops: null });
  row("forward", { name: "forward total, process CPU time", ms: cpuTotal, gflops: null });
}

if (!json) console.log(`# ${machine()}\n# CPU backend, ${getThreads()} threads, ${getMatmulKernel()} matmul`);
if (!args.includes("--no-kernels")) await kernels();
if (!args.includes("--no-profile")) await profile();
