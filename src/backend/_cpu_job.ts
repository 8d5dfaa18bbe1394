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
 * into its own {@link WasmMatmul} once per job, then runs its chunks there: the same sums again.)
 *
 * @module
 */
import { matmulColumns } from "../../kernels/cpu/matmul.ts";
import { WasmMatmul } from "../../kernels/cpu/matmul_wasm.ts";
import { attentionHeads } from "../../kernels/cpu/attention_blocked.ts";

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

// This thread's WebAssembly matmul, and the job whose rows it holds.
let wasmMatmul: WasmMatmul | null = null;
let loadedJob: MatmulJob | null = null;

function runChunk(job: Job, i: number): void {
  if (job.kind === "matmul") {
    const { out, x, w, bias, T, K, N, chunk } = job;
    const n0 = i * chunk, n1 = Math.min(N, (i + 1) * chunk);
    if (!job.wasm) {
      matmulColumns(out, x, w, T, K, N, n0, n1, bias);
      return;
    }
    wasmMatmul ??= new WasmMatmul();
    if (loadedJob !== job) {
      wasmMatmul.load(x, T, K, bias, N);
      loadedJob = job;
    }
    wasmMatmul.columns(out, w, N, n0, n1);
  } else {
    const { out, q, k, v, Tq, Tk, H, Hkv, Hd, chunk, alibiSlopes, window } = job;
    attentionHeads(out, q, k, v, Tq, Tk, H, Hkv, Hd, i * chunk, Math.min(H, (i + 1) * chunk), { alibiSlopes, window });
  }
}
