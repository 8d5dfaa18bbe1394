/// <reference lib="webworker" />
/**
 * The page's CPU analysis on a worker, where the CPU backend may block on `Atomics.wait` and so
 * share its matmuls and attention out to its own worker threads (a page's main thread may not
 * block: there it runs on one thread). The page starts this worker only when it is
 * cross-origin isolated (SharedArrayBuffer); web/app.ts posts requests, this answers each
 * with progress messages and then its result or error.
 *
 * @module
 */
import { getThreads } from "../src/backend/cpu.ts";
import { type Analysis, analyze, type AnalyzeOptions, prunedFiles, summarize } from "./analyze.ts";
import { folderOf, type FolderSpec } from "./folder_spec.ts";

/** What the page asks: an analysis, or the pruned files of the last one. */
export type WorkerRequest =
  | {
    id: number;
    kind: "analyze";
    folder: FolderSpec;
    base: string;
    opts: Omit<AnalyzeOptions, "folder" | "onProgress">;
  }
  | { id: number; kind: "pruned"; k: number; source: string };

let last: Analysis | null = null;

self.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const r = e.data;
  try {
    if (r.kind === "analyze") {
      last = null;
      last = await analyze({
        ...r.opts,
        folder: folderOf(r.folder, r.base),
        onProgress: (stage, done, total) => self.postMessage({ id: r.id, progress: [stage, done, total] }),
      });
      self.postMessage({ id: r.id, result: { ...summarize(last), threads: getThreads() } });
    } else {
      if (!last) throw new Error("No analysis has run on this worker yet");
      self.postMessage({ id: r.id, result: [...prunedFiles(last, r.k, r.source)] });
    }
  } catch (err) {
    self.postMessage({ id: r.id, error: (err as Error).message });
  }
};
