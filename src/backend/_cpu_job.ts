/**
 * One threaded op as the main thread and the workers see it (internal to the CPU backend).
 *
 * The work is cut into chunks: columns of `out = x · wᵀ + bias` for a matmul, heads for
 * attention. Every thread that takes part (the main thread and each worker) claims the next chunk
 * with an atomic increment of `ctrl[NEXT]`, computes it with the one-thread kernel restricted to
 * that range ({@link matmulColumns}, {@link attentionHeads}) and counts it in `ctrl[DONE]`, until
 * none is left. So a slower thread simply takes fewer chunks, and every output element is
 * computed by exactly one thread with the same loop as on one thread: the result is bit-identical
 * whatever the number of threads or the split. (With `wasm`, each thread copies the rows of x
 * into its own {@link WasmMatmul} once per job, then runs its chunks there: the same sums again;
 * with `fast`, the same with {@link FastMatmul}, whose float32 sums have a fixed order too.)
 *
 * @module
 */
import { matmulColumns } from "../../kernels/cpu/matmul.ts";
import { WasmMatmul } from "../../kernels/cpu/matmul_wasm.ts";
import { FastMatmul, type FastMultiplyAdd } from "../../kernels/cpu/matmul_fast.ts";
import { attentionHeads } from "../../kernels/cpu/attention_blocked.ts";
import { attentionFastHeads } from "../../kernels/cpu/attention_fast.ts";

/** Index in `ctrl` of the next unclaimed chunk. */
const NEXT = 0;
/** Index in `ctrl` of the number of chunks finished (or failed). */
export const DONE = 1;
/** Index in `ctrl` set to 1 when a worker failed on a chunk. */
export const FAILED = 2;

/** What every job carries; all arrays live in SharedArrayBuffers. */
interface JobBase {
  /** [3] Int32: NEXT, DONE, FAILED; a fresh one per job, so a late worker finds nothing left. */
  ctrl: Int32Array;
  /** Number of chunks. */
  chunks: number;
  /** Columns (matmul, a multiple of the 4-wide tile) or heads (attention) per chunk. */
  chunk: number;
}

/** `out = x · wᵀ + bias`, by columns. */
export interface MatmulJob extends JobBase {
  kind: "matmul";
  out: Float32Array; // [T,N]
  x: Float32Array; // [T,K]
  w: Float32Array; // [N,K]
  bias?: Float32Array; // [N]
  T: number;
  K: number;
  N: number;
  /** Compute with {@link WasmMatmul} (WebAssembly SIMD) instead of {@link matmulColumns}. */
  wasm: boolean;
  /** The fast precision: {@link FastMatmul} (float32 sums), overriding `wasm`. */
  fast?: { multiplyAdd: FastMultiplyAdd };
}

/** Causal grouped-query attention, by query heads. */
export interface AttentionJob extends JobBase {
  kind: "attention";
  out: Float32Array; // [Tq,H·Hd]
  q: Float32Array; // [Tq,H·Hd]
  k: Float32Array; // [Tk,Hkv·Hd]
  v: Float32Array; // [Tk,Hkv·Hd]
  Tq: number;
  Tk: number;
  H: number;
  Hkv: number;
  Hd: number;
  alibiSlopes?: Float32Array; // [H]
  window?: number;
  /** The fast precision: {@link attentionFastHeads} instead of {@link attentionHeads}. */
  fast?: { multiplyAdd: FastMultiplyAdd };
}

export type Job = MatmulJob | AttentionJob;

/** Claims and computes chunks of `job` until none is left. Returns how many this thread did. */
export function runChunks(job: Job): number {
  const { ctrl, chunks } = job;
  let mine = 0;
  for (;;) {
    const i = Atomics.add(ctrl, NEXT, 1);
    if (i >= chunks) return mine;
    try {
      runChunk(job, i);
    } catch (e) {
      Atomics.store(ctrl, FAILED, 1);
      throw e;
    } finally {
      Atomics.add(ctrl, DONE, 1);
      Atomics.notify(ctrl, DONE);
    }
    mine++;
  }
}

// This thread's WebAssembly matmuls, and the job whose rows each holds.
let wasmMatmul: WasmMatmul | null = null;
// A job is known by its `ctrl` (fresh per job), not held itself: holding the last job would keep
// its weight alive after the op (a layer-streamed block's, into the loading of the next one).
let loadedJob: Int32Array | null = null;
const fastMatmuls = new Map<FastMultiplyAdd, FastMatmul>();
let fastJob: Int32Array | null = null;

function runChunk(job: Job, i: number): void {
  if (job.kind === "matmul") {
    const { out, x, w, bias, T, K, N, chunk } = job;
    const n0 = i * chunk, n1 = Math.min(N, (i + 1) * chunk);
    if (job.fast) {
      const mm = fastMatmul(job.fast.multiplyAdd);
      if (fastJob !== job.ctrl) {
        mm.load(x, T, K, bias);
        fastJob = job.ctrl;
      }
      mm.columns(out, w, N, n0, n1);
      return;
    }
    if (!job.wasm) {
      matmulColumns(out, x, w, T, K, N, n0, n1, bias);
      return;
    }
    wasmMatmul ??= new WasmMatmul();
    if (loadedJob !== job.ctrl) {
      wasmMatmul.load(x, T, K, bias, N);
      loadedJob = job.ctrl;
    }
    wasmMatmul.columns(out, w, N, n0, n1);
  } else {
    const { out, q, k, v, Tq, Tk, H, Hkv, Hd, chunk, alibiSlopes, window, fast } = job;
    const h0 = i * chunk, h1 = Math.min(H, (i + 1) * chunk);
    if (fast) {
      fastJob = null; // the attention reloads this thread's fast kernel
      attentionFastHeads(
        out,
        q,
        k,
        v,
        Tq,
        Tk,
        H,
        Hkv,
        Hd,
        h0,
        h1,
        { alibiSlopes, window },
        fastMatmul(fast.multiplyAdd),
      );
    } else attentionHeads(out, q, k, v, Tq, Tk, H, Hkv, Hd, h0, h1, { alibiSlopes, window });
  }
}

function fastMatmul(multiplyAdd: FastMultiplyAdd): FastMatmul {
  let mm = fastMatmuls.get(multiplyAdd);
  if (!mm) fastMatmuls.set(multiplyAdd, mm = new FastMatmul(multiplyAdd));
  return mm;
}
