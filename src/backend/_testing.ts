/**
 * Set-up shared by the WebGPU backend tests (internal): the reason to skip them, if any.
 *
 * @module
 */
import { setThreads } from "./cpu.ts";
import { probeWebGpu } from "./webgpu.ts";

// The CPU oracles of the GPU tests run on the main thread: Deno (2.9.6) can crash at exit when
// the CPU backend's worker threads and a WebGPU device are torn down in one process (README,
// Known issues), and every WebGPU backend test file imports this one.
setThreads(1);

/**
 * `undefined` when a WebGPU adapter is available, else the reason to skip GPU tests, e.g.
 * `WebGPU is not available in bun 1.4.5 (navigator.gpu is missing)`.
 */
export async function webGpuSkip(): Promise<string | undefined> {
  return (await probeWebGpu()) ?? undefined;
}
