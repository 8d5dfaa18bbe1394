/**
 * CPU against WebGPU: forward throughput on the stories15M/110M shapes (random weights), one
 * Llama-2-7B-shaped decoder layer (D 4096, F 11008, 32 heads) at T = 256..2048, the GPU
 * matmul's GFLOP/s on the linear-layer shapes, Block Influence on the bundled bytellama-12L
 * (per-token cosines summed on the GPU against the hidden states read back), and the forward of
 * the bundled RWKV models.
 *
 *   deno run -A --unstable-webgpu bench/webgpu.ts                  everything, as a table
 *   deno run -A --unstable-webgpu bench/webgpu.ts --only forward --tokens 128
 *   deno run -A --unstable-webgpu bench/webgpu.ts --only layer --layer-tokens 256,512 --no-cpu-layer
 *   deno run -A --unstable-webgpu bench/webgpu.ts --only matmul --tune --peak-gflops 51000
 *   deno run -A --unstable-webgpu bench/webgpu.ts --only bi       BI: sums on the GPU vs hidden states read back
 *   deno run -A --unstable-webgpu bench/webgpu.ts --only rwkv     the bundled RWKV models, CPU vs WebGPU
 *
 * `--json` prints one line per measurement: {"bench","shape","runtime","backend","adapter",
 * "tokens","ms","tok_per_s","gflops"}. GPU timings end when the GPU has finished
 * (`queue.onSubmittedWorkDone()`); the forward rows also give the time with the logits read back.
 * A tensor larger than the adapter's maxStorageBufferBindingSize (128 MiB on llvmpipe) cannot
 * be bound: such rows are skipped with a note, and so are rows of more than 20 GFLOP on a
 * software adapter unless `--all` is given. Medians after one warm-up (bench/_machine.ts).
 *
 * @module
 */
import process from "node:process";
import { cpu } from "../src/backend/cpu.ts";
import type { Ops } from "../src/backend/ops.ts";
import { createWebGpuOps, type GpuTensor } from "../src/backend/webgpu.ts";
import { matmul, type MatmulTuning } from "../kernels/gpu/matmul.ts";
import type { LlamaBlock } from "../src/models/llama/model.ts";
import { forward } from "../src/models/forward.ts";
import { loadModel } from "../src/models/load.ts";
import { BlockInfluence } from "../src/importance/block_influence.ts";
import { observeWindows } from "../src/importance/mod.ts";
import { RWKV_MODELS } from "../src/models/rwkv/_fixtures.ts";
import { newRun } from "../src/models/model.ts";
import { runtimeName } from "../src/runtime.ts";
import { flag, machine, medianMs } from "./_machine.ts";
import { randomArray, randomBlock, randomLlama, shapeConfig } from "../src/testing/shapes.ts";

const args = process.argv.slice(2);
const json = args.includes("--json");
const only = flag("only"); // forward | layer | matmul | bi | rwkv
const tokens = Number(flag("tokens") ?? 256);
const layerTokens = (flag("layer-tokens") ?? "256,512,1024,2048").split(",").map(Number);
const cpuLayer = !args.includes("--no-cpu-layer");
const tune = args.includes("--tune");
const peak = flag("peak-gflops") ? Number(flag("peak-gflops")) : undefined;
const all = args.includes("--all");

const ops = await createWebGpuOps();
const { gpu } = ops;
const maxBinding = gpu.limits.maxStorageBufferBindingSize;
// A software adapter (llvmpipe) runs at a few GFLOP/s: skip rows of more than this per run.
const maxFlops = gpu.adapter.includes("software") && !all ? 2e10 : Infinity;
const tooBig = (flops: number) =>
  `${(flops / 1e9).toFixed(0)} GFLOP per run is too slow on a software adapter (--all runs it)`;

interface Row {
  bench: string;
  shape: string;
  backend: string;
  tokens: number | null;
  ms: number;
  tok_per_s: number | null;
  gflops: number | null;
  note?: string;
}

function report(r: Row) {
  if (json) {
    const adapter = r.backend === "cpu" ? null : gpu.adapter;
    console.log(JSON.stringify({ ...r, runtime: runtimeName(), adapter }));
    return;
  }
  const tps = r.tok_per_s === null ? "" : `${r.tok_per_s.toFixed(1)} tok/s`;
  const gf = r.gflops === null ? "" : `${r.gflops.toFixed(1)} GFLOP/s`;
  const frac = peak && r.gflops !== null && r.backend !== "cpu"
    ? ` (${(100 * r.gflops / peak).toFixed(1)}% of peak)`
    : "";
  const t = r.tokens === null ? "" : `T=${r.tokens}`;
  console.log(
    `${r.bench.padEnd(8)} ${r.shape.padEnd(26)} ${r.backend.padEnd(12)} ${t.padEnd(7)} ${
      r.ms.toFixed(1).padStart(10)
    } ms` +
      `  ${tps.padStart(14)}  ${gf.padStart(16)}${frac}${r.note ? `  ${r.note}` : ""}`,
  );
}

function skipped(what: string, why: string) {
  if (json) console.log(JSON.stringify({ bench: what, skipped: why, runtime: runtimeName(), adapter: gpu.adapter }));
  else console.log(`${what}: skipped, ${why}`);
}

/** Matmul FLOPs of one forward of a Llama model of config `c` with `L` layers: 2·T·(linear params). */
function forwardFlops(c: ReturnType<typeof shapeConfig>, L: number, T: number, head = true): number {
  const layer = c.hiddenSize * c.headDim * (2 * c.numHeads[0] + 2 * c.numKvHeads[0]) +
    3 * c.hiddenSize * c.intermediateSize;
  return 2 * T * (L * layer + (head ? c.vocabSize * c.hiddenSize : 0));
}

const ids = (T: number, V: number) => Int32Array.from({ length: T }, (_, i) => (i * 7919) % V);

// ---------------------------------------------------------------- forward: stories shapes
async function benchForward(shape: string) {
  const c = shapeConfig(shape);
  if (c.vocabSize * c.hiddenSize * 4 > maxBinding) {
    return skipped(`forward ${shape}`, "embedding table exceeds the binding limit");
  }
  const x = ids(tokens, c.vocabSize);
  const flops = forwardFlops(c, c.numLayers, tokens);
  if (flops > maxFlops) return skipped(`forward ${shape} T=${tokens}`, tooBig(flops));
  const onCpu = randomLlama(shape);
  const cpuMs = await medianMs(() => forward(onCpu, x), 3);
  report({
    bench: "forward",
    shape,
    backend: "cpu",
    tokens,
    ms: cpuMs,
    tok_per_s: tokens / (cpuMs / 1e3),
    gflops: flops / (cpuMs / 1e3) / 1e9,
  });
  const onGpu = randomLlama(shape, undefined, ops);
  const gpuMs = await medianMs(async () => {
    await forward(onGpu, x);
    await gpu.done();
  }, 5);
  const readMs = await medianMs(async () => void await ops.read((await forward(onGpu, x)).logits!), 5);
  const speedup = `${(cpuMs / gpuMs).toFixed(1)}× the CPU; with logits read back ${readMs.toFixed(1)} ms`;
  report({
    bench: "forward",
    shape,
    backend: "webgpu",
    tokens,
    ms: gpuMs,
    tok_per_s: tokens / (gpuMs / 1e3),
    gflops: flops / (gpuMs / 1e3) / 1e9,
    note: speedup,
  });
}

// ---------------------------------------------------------------- one Llama-2-7B layer
function randomLayer<A>(on: Ops<A>): LlamaBlock<A> {
  let seed = 100;
  return randomBlock(on, shapeConfig("llama2-7b"), 0, () => seed++);
}

async function benchLayer() {
  const c = shapeConfig("llama2-7b");
  const shape = "llama2-7b layer";
  const biggest = c.intermediateSize * c.hiddenSize * 4;
  const gpuBlock = biggest <= maxBinding ? randomLayer(ops) : null;
  if (!gpuBlock) skipped(shape, `gate_proj (${biggest} bytes) exceeds this adapter's ${maxBinding}-byte binding limit`);
  const cpuBlock = cpuLayer ? randomLayer(cpu) : null;
  for (const [n, T] of layerTokens.entries()) {
    const flops = forwardFlops(c, 1, T, false);
    const x = randomArray(T * c.hiddenSize, 7, 1);
    let cpuMs: number | undefined;
    if (cpuBlock && n === 0) {
      // one timed run: at about 100 GFLOP per layer a CPU takes tens of seconds
      const t0 = performance.now();
      cpuBlock.forward(x, T, newRun(), false);
      cpuMs = performance.now() - t0;
      report({
        bench: "layer",
        shape,
        backend: "cpu",
        tokens: T,
        ms: cpuMs,
        tok_per_s: T / (cpuMs / 1e3),
        gflops: flops / (cpuMs / 1e3) / 1e9,
        note: "one run",
      });
    }
    if (gpuBlock && flops > maxFlops) skipped(`${shape} T=${T} on WebGPU`, tooBig(flops));
    else if (gpuBlock) {
      const xg = ops.upload(x);
      const ms = await medianMs(async () => {
        gpuBlock.forward(xg, T, newRun(), false);
        await gpu.done();
      }, 5);
      const note = cpuMs ? `${(cpuMs / ms).toFixed(1)}× the CPU` : undefined;
      report({
        bench: "layer",
        shape,
        backend: "webgpu",
        tokens: T,
        ms,
        tok_per_s: T / (ms / 1e3),
        gflops: flops / (ms / 1e3) / 1e9,
        note,
      });
    }
  }
}

// ---------------------------------------------------------------- matmul GFLOP/s
async function benchMatmul(T: number, K: number, N: number, tuning: MatmulTuning = {}) {
  const shape = `x[${T},${K}]·W[${N},${K}]ᵀ`;
  if (N * K * 4 > maxBinding) return skipped(`matmul ${shape}`, "W exceeds the binding limit");
  if (2 * T * K * N > maxFlops) return skipped(`matmul ${shape}`, tooBig(2 * T * K * N));
  const x = ops.upload(randomArray(T * K, 1, 1)), w = ops.upload(randomArray(N * K, 2));
  const out: GpuTensor = gpu.tensor(T * N);
  const flops = 2 * T * K * N;
  const run = async (reps: number) => {
    for (let i = 0; i < reps; i++) matmul(gpu, out, x, w, T, K, N, undefined, tuning);
    await gpu.done();
  };
  await run(1); // warm-up: pipeline compilation
  const t0 = performance.now();
  await run(1);
  const reps = Math.max(1, Math.min(50, Math.ceil(100 / (performance.now() - t0)))); // ~100 ms per sample
  const ms = (await medianMs(() => run(reps), 5)) / reps;
  const name = Object.keys(tuning).length
    ? `webgpu ${Object.entries(tuning).map(([k, v]) => `${k}=${v}`).join(",")}`
    : "webgpu";
  report({ bench: "matmul", shape, backend: name, tokens: T, ms, tok_per_s: null, gflops: flops / (ms / 1e3) / 1e9 });
  if (flops <= 2e9 && Object.keys(tuning).length === 0) {
    const xc = randomArray(T * K, 1, 1), wc = cpu.upload(randomArray(N * K, 2));
    const cms = await medianMs(() => cpu.linear(xc, wc, T, K, N), 3);
    report({
      bench: "matmul",
      shape,
      backend: "cpu",
      tokens: T,
      ms: cms,
      tok_per_s: null,
      gflops: flops / (cms / 1e3) / 1e9,
    });
  }
}

// ---------------------------------------------------------------- BI: sums on the GPU or hidden states read back
async function benchBi() {
  const dir = "testdata/models/bytellama-12L", W = 8, T = 128;
  const windows = Array.from({ length: W }, (_, w) => ids(T, 256).map((v) => (v + 31 * w) % 256));
  const onCpu = loadModel(dir, cpu), onGpu = loadModel(dir, ops);
  const L = onCpu.blocks.length, D = onCpu.info.hiddenSize;
  const shape = `bytellama-12L ${W}×${T} tokens`;
  const run = (model: typeof onCpu | typeof onGpu, sums?: boolean) => () =>
    observeWindows(model as typeof onCpu, windows, [new BlockInfluence(L)], "raw", undefined, sums);
  const cpuMs = await medianMs(run(onCpu), 3);
  report({
    bench: "bi",
    shape,
    backend: "cpu",
    tokens: W * T,
    ms: cpuMs,
    tok_per_s: (W * T) / (cpuMs / 1e3),
    gflops: null,
  });
  const cases = [
    [false, `X_0..X_L read back: ${(W * (L + 1) * T * D * 4 / 1e6).toFixed(1)} MB`],
    [true, `sums read back: ${W * 2 * L * 4} B`],
  ] as const;
  for (const [sums, note] of cases) {
    const ms = await medianMs(run(onGpu, sums), 3);
    const backend = sums ? "webgpu sums" : "webgpu read";
    report({ bench: "bi", shape, backend, tokens: W * T, ms, tok_per_s: (W * T) / (ms / 1e3), gflops: null, note });
  }
}

// ---------------------------------------------------------------- the bundled RWKV models
async function benchRwkv() {
  const T = 128;
  for (const name of RWKV_MODELS) {
    const dir = `testdata/models/${name}`;
    const x = ids(T, 256);
    const onCpu = loadModel(dir, cpu), onGpu = loadModel(dir, ops);
    const cpuMs = await medianMs(() => forward(onCpu, x), 3);
    report({
      bench: "rwkv",
      shape: name,
      backend: "cpu",
      tokens: T,
      ms: cpuMs,
      tok_per_s: T / (cpuMs / 1e3),
      gflops: null,
    });
    const gpuMs = await medianMs(async () => void await ops.read((await forward(onGpu, x)).logits!), 3);
    const note = `${(cpuMs / gpuMs).toFixed(2)}× the CPU (logits read back)`;
    report({
      bench: "rwkv",
      shape: name,
      backend: "webgpu",
      tokens: T,
      ms: gpuMs,
      tok_per_s: T / (gpuMs / 1e3),
      gflops: null,
      note,
    });
  }
}

if (!json) {
  console.log(`# ${machine()}`);
  console.log(`# WebGPU adapter: ${gpu.adapter}; maxStorageBufferBindingSize ${maxBinding} B`);
  console.log(`# forward at T=${tokens}; 7B layer at T=${layerTokens.join(",")}; medians after a warm-up\n`);
}
const wants = (s: string) => only === undefined || only === s;
if (wants("forward")) {
  await benchForward("stories15m");
  await benchForward("stories110m");
}
if (wants("layer")) await benchLayer();
if (wants("matmul")) {
  const shapes: [number, number, number][] = [
    [256, 768, 768],
    [256, 768, 2048],
    [256, 4096, 4096],
    [2048, 4096, 4096],
    [2048, 4096, 11008],
  ];
  for (const [T, K, N] of shapes) await benchMatmul(T, K, N);
  if (tune) {
    const tunings: MatmulTuning[] = [{ tk: 16 }, { tk: 32 }, { wgX: 8, wgY: 8 }, { wgX: 8, wgY: 8, tk: 16 }, {
      wgX: 16,
      wgY: 8,
      tk: 16,
    }];
    for (const t of tunings) await benchMatmul(2048, 4096, 4096, t);
  }
}
if (wants("bi")) await benchBi();
if (wants("rwkv")) await benchRwkv();
