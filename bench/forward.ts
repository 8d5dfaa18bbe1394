/**
 * Forward-pass and matmul throughput on the CPU backend.
 *
 *   deno run -A bench/forward.ts                       all shapes, a table
 *   deno run -A bench/forward.ts --shape stories110m --tokens 256 --json
 *   deno run -A bench/forward.ts --threads 1           one thread (default: one per core, at most 8)
 *   deno run -A bench/forward.ts --kernel js           the plain-JavaScript matmul (default: wasm-simd)
 *   node scripts/build.mjs --bench && node dist-bench/forward.js ... / bun bench/forward.ts ...   (same flags)
 *
 * `--json` prints one line per measurement: {"shape","runtime","backend","threads","tokens","tok_per_s","gflops"}.
 * The per-kernel GFLOP/s and the share of time per op are in bench/kernels.ts.
 * Shapes: stories260K (the real bundled model), stories15m and stories110m (random weights).
 * Matmul shapes: the linear layers x[T,K]·W[N,K]ᵀ at T=128, K=N=768 and K=2048, N=5632.
 *
 * @module
 */
import process from "node:process";
import { matmul } from "../kernels/cpu/matmul.ts";
import { matmulWasm, wasmSimdAvailable } from "../kernels/cpu/matmul_wasm.ts";
import {
  cpu,
  getMatmulKernel,
  getThreads,
  type MatmulKernel,
  setMatmulKernel,
  setThreads,
} from "../src/backend/cpu.ts";
import { forward } from "../src/models/forward.ts";
import { loadModel } from "../src/models/load.ts";
import type { CausalLM } from "../src/models/model.ts";
import { runtimeName } from "../src/runtime.ts";
import { flag, machine, medianMs } from "./_machine.ts";
import { randomArray, randomLlama } from "../src/testing/shapes.ts";

const args = process.argv.slice(2);
const json = args.includes("--json");
const tokens = Number(flag("tokens") ?? 256);
const only = flag("shape");
if (flag("threads")) setThreads(Number(flag("threads")));
if (flag("kernel")) setMatmulKernel(flag("kernel") as MatmulKernel);

function report(row: { shape: string; tokens: number; tok_per_s: number | null; gflops: number | null; ms: number }) {
  if (json) {
    console.log(
      JSON.stringify({
        shape: row.shape,
        runtime: runtimeName(),
        backend: "cpu",
        threads: getThreads(),
        kernel: getMatmulKernel(),
        tokens: row.tokens,
        tok_per_s: row.tok_per_s,
        gflops: row.gflops,
      }),
    );
  } else {
    const tps = row.tok_per_s === null ? "" : `${row.tok_per_s.toFixed(1)} tok/s`;
    const gf = row.gflops === null ? "" : `${row.gflops.toFixed(2)} GFLOP/s`;
    console.log(
      `${row.shape.padEnd(48)} T=${String(row.tokens).padEnd(5)} ${row.ms.toFixed(1).padStart(9)} ms  ${
        tps.padStart(14)
      }  ${gf.padStart(14)}`,
    );
  }
}

/** Matmul FLOPs of one forward: 2·T·(params in linear layers incl. the head). */
function forwardFlops(model: CausalLM, T: number): number {
  const m = model as unknown as {
    config: {
      hiddenSize: number;
      intermediateSize: number;
      headDim: number;
      numHeads: readonly number[];
      numKvHeads: readonly number[];
      vocabSize: number;
    };
  };
  const c = m.config;
  let p = c.vocabSize * c.hiddenSize;
  for (let i = 0; i < model.blocks.length; i++) {
    p += c.hiddenSize * c.headDim * (2 * c.numHeads[i] + 2 * c.numKvHeads[i]) + 3 * c.hiddenSize * c.intermediateSize;
  }
  return 2 * T * p;
}

async function benchForward(shape: string, model: CausalLM) {
  const T = Math.min(tokens, model.info.maxPositions);
  const ids = Int32Array.from({ length: T }, (_, i) => (i * 7919) % model.info.vocabSize);
  const ms = await medianMs(() => forward(model, ids), 5);
  report({ shape, tokens: T, ms, tok_per_s: T / (ms / 1000), gflops: forwardFlops(model, T) / (ms / 1000) / 1e9 });
}

async function benchMatmul(T: number, K: number, N: number) {
  const x = randomArray(T * K, 1), w = cpu.upload(randomArray(N * K, 2)), out = new Float32Array(T * N);
  const flops = 2 * T * K * N;
  const one = await medianMs(() => matmul(out, x, w, T, K, N), 5);
  report({
    shape: `matmul (js) T=${T} K=${K} N=${N} 1 thread`,
    tokens: T,
    ms: one,
    tok_per_s: null,
    gflops: flops / (one / 1000) / 1e9,
  });
  if (wasmSimdAvailable()) {
    const simd = await medianMs(() => matmulWasm(out, x, w, T, K, N), 5);
    report({
      shape: `matmul (wasm-simd) T=${T} K=${K} N=${N} 1 thread`,
      tokens: T,
      ms: simd,
      tok_per_s: null,
      gflops: flops / (simd / 1000) / 1e9,
    });
  }
  const all = await medianMs(() => cpu.linear(x, w, T, K, N), 5);
  report({
    shape: `linear T=${T} K=${K} N=${N} ${getThreads()} threads`,
    tokens: T,
    ms: all,
    tok_per_s: null,
    gflops: flops / (all / 1000) / 1e9,
  });
}

if (!json) {
  console.log(
    `# ${machine()}\n# CPU backend, ${getThreads()} threads, ${getMatmulKernel()} matmul, forward at T=${tokens}, medians of 5 runs after a warm-up\n`,
  );
}
const wants = (s: string) => only === undefined || only === s;
if (wants("stories260K")) await benchForward("stories260K", loadModel("testdata/models/stories260K"));
if (wants("stories15m")) await benchForward("stories15m", randomLlama("stories15m"));
if (wants("stories110m")) await benchForward("stories110m", randomLlama("stories110m"));
if (wants("matmul")) {
  await benchMatmul(128, 768, 768);
  await benchMatmul(128, 2048, 5632);
}
