/**
 * Worker threads for the CPU backend, one small shim for Deno, Node and Bun (internal).
 *
 * - The thread: the web `Worker` where the runtime has one (Deno, Bun), else `node:worker_threads`
 *   (Node). Not `node:worker_threads` everywhere: in Deno 2.9 its `postMessage` costs about
 *   50 ms per MiB of SharedArrayBuffer the message refers to (the web `Worker` passes it in
 *   microseconds, as Node and Bun do), which made every threaded matmul slower than one thread.
 * - Its lifetime: a worker closes itself after {@link IDLE_MS} without a job, so an idle pool never
 *   keeps the process alive (Deno's web `Worker` has no `unref()`; where there is one we call it
 *   too). A shared counter of jobs posted but not yet handled makes the hand-over race-free: the
 *   worker closes only by swapping 0 for -1, and the main thread posts only by raising a count
 *   that is not -1, so no job is ever posted to a worker that has gone; a closed worker is
 *   replaced by a new one.
 *
 * @module
 */
import { nodeBuiltin } from "../runtime.ts";

type WorkerThreads = typeof import("node:worker_threads");

/** A worker with no job for this long closes itself (and is started again when needed). */
export const IDLE_MS = 500;

/** The first message a worker gets: where its counter of pending jobs lives. */
export interface InitMessage {
  kind: "init";
  /** [1] Int32: jobs posted and not yet handled; -1 once the worker has closed itself. */
  pending: Int32Array;
  idleMs: number;
}

interface Handle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** One worker thread running the module at `url`. */
export class JobWorker {
  readonly #handle: Handle;
  readonly #pending = new Int32Array(new SharedArrayBuffer(4));

  /** Starts a worker; `onError` hears why it failed, if it does. */
  constructor(url: URL, onError: (message: string) => void) {
    // deno-lint-ignore no-explicit-any
    const WebWorker = (globalThis as any).Worker;
    if (typeof WebWorker === "function") {
      const w = new WebWorker(url, { type: "module" });
      w.addEventListener("error", (e: ErrorEvent) => {
        e.preventDefault?.();
        onError(e.message);
      });
      w.unref?.();
      this.#handle = w;
    } else {
      const threads = nodeBuiltin<WorkerThreads>("node:worker_threads");
      if (!threads) throw new Error("this runtime has neither a web Worker nor node:worker_threads");
      const w = new threads.Worker(url);
      w.on("error", (e: Error) => onError(e.message));
      w.unref();
      this.#handle = w;
    }
    this.#handle.postMessage({ kind: "init", pending: this.#pending, idleMs: IDLE_MS } satisfies InitMessage);
  }

  /** Posts a job; false when the worker has closed itself for idleness (start another). */
  post(job: unknown): boolean {
    for (;;) {
      const n = Atomics.load(this.#pending, 0);
      if (n < 0) return false;
      if (Atomics.compareExchange(this.#pending, 0, n, n + 1) === n) {
        this.#handle.postMessage(job);
        return true;
      }
    }
  }

  /** Stops the worker now. */
  async terminate(): Promise<void> {
    Atomics.store(this.#pending, 0, -1);
    await this.#handle.terminate();
  }
}

/**
 * The worker side of {@link JobWorker}: calls `handle` for every job, counts it done, and closes
 * the worker after {@link IDLE_MS} without a job.
 */
export function serveJobs(handle: (job: unknown) => void): void {
  const parentPort = nodeBuiltin<WorkerThreads>("node:worker_threads")?.parentPort ?? null;
  // deno-lint-ignore no-explicit-any
  const self = globalThis as any;
  // A web worker in Deno has no parentPort; Node's workers (and Bun's, either kind) have one.
  const listen = (fn: (data: unknown) => void) =>
    parentPort ? parentPort.on("message", fn) : self.addEventListener("message", (e: MessageEvent) => fn(e.data));
  // Deno's web worker ends with self.close(); in a Node or Bun worker (which has no self.close),
  // process.exit() ends the worker thread, not the process.
  const close = () => (typeof self.close === "function" ? self.close() : self.process.exit(0));
  let pending: Int32Array | null = null, idleMs = IDLE_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (pending && Atomics.compareExchange(pending, 0, 0, -1) === 0) close();
      else arm(); // a job is on its way
    }, idleMs);
  };
  listen((data) => {
    const m = data as InitMessage | { kind: string };
    if (m.kind === "init") {
      ({ pending, idleMs } = m as InitMessage);
      arm();
      return;
    }
    try {
      handle(m);
    } finally {
      if (pending) Atomics.sub(pending, 0, 1);
      arm();
    }
  });
}
