/**
 * A worker thread of the CPU backend (internal): takes chunks of every job (a matmul or an
 * attention) that the main thread posts, see {@link runChunks}. Started by
 * src/backend/_cpu_pool.ts through {@link JobWorker}.
 *
 * @module
 */
import { type Job, runChunks } from "./_cpu_job.ts";
import { serveJobs } from "./_cpu_workers.ts";

serveJobs((job) => {
  try {
    runChunks(job as Job);
  } catch (e) {
    // runChunks has marked the job failed and the main thread throws; say why here.
    console.error(`shortgpt worker thread: ${(e as Error).stack ?? e}`);
  }
});
