/**
 * Worker threads for the CPU backend's matmul and attention (internal).
 *
 * A linear layer big enough to pay for the hand-off (T·K·N ≥ {@link PARALLEL_MIN_MACS}) is split
 * over the main thread and `threads - 1` workers by columns, and attention by heads, claimed
 * dynamically in chunks (see src/backend/_cpu_job.ts), so the result is bit-identical to the
 * one-thread kernel.
 *
 * The workers read the weight and the input where they are, so both must live in a
 * `SharedArrayBuffer`: checkpoint tensors are decoded straight into one (`toFloat32` in
 * src/tensor.ts), and `cpu.upload` copies any other array into one ({@link sharedCopy}); the inputs (activations, small next to a weight) are copied into shared scratch buffers
 * per call when they are not shared already, and the result is computed into a shared scratch
 * buffer and copied into the ordinary Float32Array the op returns. A matmul whose weight is not
 * shared (one that did not come from `cpu.upload`) runs on the main thread alone.
 *
 * One code path for Deno, Node and Bun (src/backend/_cpu_workers.ts): workers close themselves
 * when idle, so they never keep the process alive. Started lazily on the first threaded op; the
 * main thread takes chunks from the start, so a worker still starting up just takes fewer (or
 * none).
 *
 * @module
 */
import { nodeBuiltin } from "../runtime.ts";
import { matmul, MATMUL_PANEL } from "../../kernels/cpu/matmul.ts";
import { matmulWasm, wasmSimdAvailable } from "../../kernels/cpu/matmul_wasm.ts";
import { defaultMultiplyAdd, FastMatmul } from "../../kernels/cpu/matmul_fast.ts";
import type { AttentionOptions } from "../../kernels/cpu/attention.ts";
import { attentionBlocked } from "../../kernels/cpu/attention_blocked.ts";
import { attentionFastHeads } from "../../kernels/cpu/attention_fast.ts";
import { DONE, FAILED, type Job, runChunks } from "./_cpu_job.ts";
import { JobWorker } from "./_cpu_workers.ts";

/** Below this many multiply-adds (T·K·N) a matmul stays on the main thread (~1 ms of work). */
export const PARALLEL_MIN_MACS = 1 << 22;

/** Below this many rows a matmul uses the JavaScript kernel (copying w for WebAssembly would not pay). */
export const WASM_MIN_ROWS = 16;

/** A wait on the workers that sees no chunk finish for this long is reported as a bug. */
const STALL_MS = 60_000;

// Nothing is created or asked of the runtime at import time: the thread count and the scratch
// buffers come on first use, and without SharedArrayBuffer (a browser page that is not
// cross-origin isolated) the backend runs on one thread.
let threadCount: number | undefined;
let workers: JobWorker[] = [];
let kernel: MatmulKernel = "wasm-simd";
let precision: Precision = "exact";
let broken: string | null = null; // why the workers are not used, once they failed to start
const scratchBuffers: Float32Array[] = [];

/**
 * The default thread count: the CPU cores (navigator's count where there is one), at most 8; 1
 * without SharedArrayBuffer, and 1 on a thread that may not block (a page's main thread, where
 * `Atomics.wait` throws), since the main thread waits for the workers' chunks.
 */
function defaultThreads(): number {
  if (typeof SharedArrayBuffer !== "function") return 1;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // "not-equal" where waiting is allowed
  } catch {
    return 1;
  }
  // deno-lint-ignore no-explicit-any
  const cores: number = (globalThis as any).navigator?.hardwareConcurrency ??
    nodeBuiltin<typeof import("node:os")>("node:os")?.cpus().length ?? 1;
  return Math.max(1, Math.min(8, cores || 1));
}

/**
 * Sets how many threads the CPU backend's matmul and attention use (the main thread included);
 * 1 turns the workers off. The default is the number of CPU cores, at most 8.
 *
 * @example
 * ```ts
 * setThreads(1); // everything on the main thread
 * ```
 */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Thread count ${n} is invalid; expected an integer ≥ 1`);
  threadCount = n; // workers beyond n - 1 get no work and close after IDLE_MS; new ones start when needed
}

/** The number of threads the CPU backend's matmul and attention use (the main thread included). */
export function getThreads(): number {
  return threadCount ??= defaultThreads();
}

/**
 * Which kernel the CPU backend's matmul runs (both give the same bits): `"wasm-simd"`
 * (kernels/cpu/matmul_wasm.ts, the default) or `"js"` (kernels/cpu/matmul.ts, plain JavaScript).
 */
export type MatmulKernel = "wasm-simd" | "js";

/** Chooses the CPU backend's matmul kernel; see {@link MatmulKernel}. */
export function setMatmulKernel(k: MatmulKernel): void {
  if (k !== "wasm-simd" && k !== "js") {
    throw new RangeError(`Matmul kernel "${k}" is unknown; expected "wasm-simd" or "js"`);
  }
  kernel = k;
}

/** The matmul kernel in use: `"js"` when WebAssembly SIMD was asked for but this runtime lacks it. */
export function getMatmulKernel(): MatmulKernel {
  return kernel === "wasm-simd" && wasmOk() ? "wasm-simd" : "js";
}

/**
 * How the CPU backend's matmul sums: `"exact"` (the default: float64 sums in the naive kernel's
 * order, the same bits as `matmulNaive`, the oracle) or `"fast"` (float32 sums in a fixed order,
 * WebAssembly SIMD with a fused multiply-add where the runtime has relaxed SIMD:
 * kernels/cpu/matmul_fast.ts). Both give the same bits on any number of threads.
 */
export type Precision = "exact" | "fast";

/** Chooses the CPU backend's {@link Precision}. */
export function setPrecision(p: Precision): void {
  if (p !== "exact" && p !== "fast") throw new RangeError(`Precision "${p}" is unknown; expected "exact" or "fast"`);
  if (p === "fast" && !wasmSimdAvailable()) {
    throw new Error('Precision "fast" needs WebAssembly SIMD, which this runtime lacks; use "exact"');
  }
  precision = p;
}

/** The CPU backend's {@link Precision}. */
export function getPrecision(): Precision {
  return precision;
}

let mainFast: FastMatmul | null = null;

let wasmChecked = false;
function wasmOk(): boolean {
  const ok = wasmSimdAvailable();
  if (!ok && !wasmChecked) {
    console.error("shortgpt: this runtime has no WebAssembly SIMD; matmul runs the JavaScript kernel");
  }
  wasmChecked = true;
  return ok;
}

/** Stops the worker threads now (they start again on the next threaded op). */
export async function stopWorkers(): Promise<void> {
  const ws = workers;
  workers = [];
  await Promise.all(ws.map((w) => w.terminate()));
}

/** Whether `a` lives in a SharedArrayBuffer (false where the runtime has none). */
export function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer === "function" && a.buffer instanceof SharedArrayBuffer;
}

/**
 * `data` itself when it already lives in a SharedArrayBuffer, else a copy that does; `data`
 * itself where there is no SharedArrayBuffer (the workers are off there).
 */
export function sharedCopy(data: Float32Array): Float32Array {
  if (isShared(data) || typeof SharedArrayBuffer !== "function") return data;
  const out = new Float32Array(new SharedArrayBuffer(data.byteLength));
  out.set(data);
  return out;
}

/**
 * {@link matmul} on {@link getThreads} threads when it is big enough and `w` is shared, else on
 * this one; the same bits either way.
 */
export function matmulThreaded(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  T: number,
  K: number,
  N: number,
  bias?: Float32Array,
): void {
  const wasm = T >= WASM_MIN_ROWS && getMatmulKernel() === "wasm-simd";
  const parallel = getThreads() > 1 && T * K * N >= PARALLEL_MIN_MACS && N >= 8 && isShared(w);
  if (!parallel || !startWorkers()) {
    if (precision === "fast") {
      mainFast ??= new FastMatmul(defaultMultiplyAdd());
      mainFast.load(x, T, K, bias);
      mainFast.columns(out, w, N, 0, N);
    } else if (wasm) matmulWasm(out, x, w, T, K, N, bias);
    else matmul(out, x, w, T, K, N, bias);
    return;
  }
  runMatmul(out, x, w, T, K, N, bias, wasm, true);
}

/**
 * {@link attentionBlocked} (the same bits as {@link attention}; `attentionFastHeads` at the fast
 * precision) on {@link getThreads} threads, heads shared out, when it is big enough; else on
 * this thread.
 */
export function attentionThreaded(
  out: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  Tq: number,
  Tk: number,
  H: number,
  Hkv: number,
  Hd: number,
  opts?: AttentionOptions,
): void {
  // Tq·Tk/2 visible (query, key) pairs per head, ~4·Hd flops each
  const parallel = getThreads() > 1 && H > 1 && Tq * Tk * H * Hd >= 2 * PARALLEL_MIN_MACS;
  if (!parallel || !startWorkers()) {
    if (precision === "fast") {
      mainFast ??= new FastMatmul(defaultMultiplyAdd());
      attentionFastHeads(out, q, k, v, Tq, Tk, H, Hkv, Hd, 0, H, opts, mainFast);
    } else attentionBlocked(out, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
    return;
  }
  const chunk = Math.max(1, Math.floor(H / (4 * getThreads())));
  const os = sharedOut(out, 0);
  run({
    kind: "attention",
    ctrl: newCtrl(),
    chunks: Math.ceil(H / chunk),
    chunk,
    out: os,
    q: shared(q, 1, Tq * H * Hd),
    k: shared(k, 2, Tk * Hkv * Hd),
    v: shared(v, 3, Tk * Hkv * Hd),
    Tq,
    Tk,
    H,
    Hkv,
    Hd,
    alibiSlopes: opts?.alibiSlopes,
    window: opts?.window,
    fast: precision === "fast" ? { multiplyAdd: defaultMultiplyAdd() } : undefined,
  }, true);
  if (os !== out) out.set(os);
}

/**
 * For tests: the same matmul with every chunk left to the workers (the main thread only waits),
 * so the worker path is exercised whatever the timing. Throws when workers cannot start.
 */
export function matmulOnWorkers(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  T: number,
  K: number,
  N: number,
  bias?: Float32Array,
): void {
  if (getThreads() < 2) throw new Error(`matmulOnWorkers() needs setThreads(n) with n ≥ 2, not ${getThreads()}`);
  if (!startWorkers()) throw new Error(`Worker threads could not start: ${broken}`);
  runMatmul(out, x, sharedCopy(w), T, K, N, bias, T >= WASM_MIN_ROWS && getMatmulKernel() === "wasm-simd", false);
}

/** For tests: {@link attentionThreaded} with every head left to the workers. */
export function attentionOnWorkers(
  out: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  Tq: number,
  Tk: number,
  H: number,
  Hkv: number,
  Hd: number,
  opts?: AttentionOptions,
): void {
  if (getThreads() < 2) throw new Error(`attentionOnWorkers() needs setThreads(n) with n ≥ 2, not ${getThreads()}`);
  if (!startWorkers()) throw new Error(`Worker threads could not start: ${broken}`);
  const os = sharedOut(out, 0);
  run({
    kind: "attention",
    ctrl: newCtrl(),
    chunks: H,
    chunk: 1,
    out: os,
    q: shared(q, 1, Tq * H * Hd),
    k: shared(k, 2, Tk * Hkv * Hd),
    v: shared(v, 3, Tk * Hkv * Hd),
    Tq,
    Tk,
    H,
    Hkv,
    Hd,
    alibiSlopes: opts?.alibiSlopes,
    window: opts?.window,
    fast: precision === "fast" ? { multiplyAdd: defaultMultiplyAdd() } : undefined,
  }, false);
  if (os !== out) out.set(os);
}

function runMatmul(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  T: number,
  K: number,
  N: number,
  bias: Float32Array | undefined,
  wasm: boolean,
  mainTakesChunks: boolean,
): void {
  // about 8 chunks per thread (so a slow thread costs little), 4..MATMUL_PANEL columns each
  const per = Math.ceil(N / (8 * getThreads()));
  const chunk = Math.min(MATMUL_PANEL, Math.max(4, Math.ceil(per / 4) * 4));
  const os = sharedOut(out, 0);
  run({
    kind: "matmul",
    ctrl: newCtrl(),
    chunks: Math.ceil(N / chunk),
    chunk,
    out: os,
    x: shared(x, 1, T * K),
    w,
    bias: bias && shared(bias, 4, N),
    T,
    K,
    N,
    wasm,
    fast: precision === "fast" ? { multiplyAdd: defaultMultiplyAdd() } : undefined,
  }, mainTakesChunks);
  if (os !== out) out.set(os);
}

/** Posts `job` to every worker, takes chunks here too (unless told not to), waits for the rest. */
function run(job: Job, mainTakesChunks: boolean): void {
  for (let i = 0; i < getThreads() - 1; i++) {
    if (!workers[i].post(job)) {
      // it closed itself after a pause; a new one takes its place (and its chunks, once started)
      workers[i] = new JobWorker(workerUrl(), (why) => disable(`a worker thread failed: ${why}`));
      workers[i].post(job);
    }
  }
  if (mainTakesChunks) runChunks(job);
  const { ctrl, chunks } = job;
  let last = Atomics.load(ctrl, DONE), since = performance.now();
  while (last < chunks) {
    Atomics.wait(ctrl, DONE, last, 100);
    const d = Atomics.load(ctrl, DONE);
    if (d !== last) {
      last = d;
      since = performance.now();
    } else if (performance.now() - since > STALL_MS) {
      throw new Error(
        `Worker threads finished ${d} of ${chunks} chunks and none for ${STALL_MS / 1000} s; a worker has died`,
      );
    }
  }
  if (Atomics.load(ctrl, FAILED)) throw new Error("A worker thread failed (its error is printed above)");
}

function newCtrl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(3 * 4));
}

/** `a` (its first n values) where the workers can read it: itself if shared, else scratch slot `slot`. */
function shared(a: Float32Array, slot: number, n: number): Float32Array {
  if (isShared(a)) return a;
  const s = scratch(slot, n);
  s.set(a.subarray(0, n));
  return s;
}

/** Where the workers write the result: `out` itself if shared, else scratch slot `slot`. */
function sharedOut(out: Float32Array, slot: number): Float32Array {
  return isShared(out) ? out : scratch(slot, out.length);
}

/** A shared Float32Array of n values, reused from call to call (only one job runs at a time). */
function scratch(slot: number, n: number): Float32Array {
  if (!(scratchBuffers[slot]?.length >= n)) scratchBuffers[slot] = new Float32Array(new SharedArrayBuffer(4 * n));
  return scratchBuffers[slot].subarray(0, n);
}

/** Starts the workers if needed; false (and the reason in `broken`) when they cannot run. */
function startWorkers(): boolean {
  if (broken !== null) return false;
  while (workers.length < getThreads() - 1) {
    try {
      workers.push(new JobWorker(workerUrl(), (why) => disable(`a worker thread failed: ${why}`)));
    } catch (e) {
      disable(`cannot start a worker thread: ${(e as Error).message}`);
      return false;
    }
  }
  return true;
}

function disable(why: string): void {
  if (broken !== null) return;
  broken = why;
  console.error(`shortgpt: matmul and attention run on one thread: ${why}`);
  void stopWorkers();
}

/**
 * The worker's module: the `.ts` beside this file when run from source (Deno, Bun); when bundled
 * (dist/cli.js, dist-test/.../x_test.js) the `_cpu_worker.js` that scripts/build.mjs writes at
 * the top of the output folder, found by walking up from the bundle.
 */
function workerUrl(): URL {
  if (import.meta.url.endsWith(".ts")) return new URL("./_cpu_worker.ts", import.meta.url);
  // A page (no file system): the worker bundle sits beside the page's bundle.
  const fs = nodeBuiltin<typeof import("node:fs")>("node:fs");
  const url = nodeBuiltin<typeof import("node:url")>("node:url");
  if (!fs || !url || !import.meta.url.startsWith("file:")) return new URL("./_cpu_worker.js", import.meta.url);
  const { existsSync } = fs, { fileURLToPath } = url;
  let dir = new URL("./", import.meta.url);
  for (;;) {
    const candidate = new URL("_cpu_worker.js", dir);
    if (existsSync(fileURLToPath(candidate))) return candidate;
    const parent = new URL("../", dir);
    if (parent.href === dir.href) break;
    dir = parent;
  }
  throw new Error(`no _cpu_worker.js beside ${import.meta.url} or above it; rebuild with scripts/build.mjs`);
}
