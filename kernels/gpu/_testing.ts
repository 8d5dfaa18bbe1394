/**
 * Set-up shared by the GPU kernel tests (internal): the device, or the reason there is none,
 * so each test file can skip visibly with `test(name, fn, { skip })`.
 *
 * @module
 */
import { createWebGpuOps, type Gpu, GpuTensor, probeWebGpu } from "../../src/backend/webgpu.ts";
import { setThreads } from "../../src/backend/cpu.ts";

// The CPU oracles of the GPU tests run on the main thread: Deno (2.9.6) can crash at exit when
// the CPU backend's worker threads and a WebGPU device are torn down in one process (README,
// Known issues), and every GPU test file imports this one.
setThreads(1);

/**
 * `undefined` when a WebGPU adapter is available, else the reason to skip GPU tests, e.g.
 * `WebGPU is not available in bun 1.4.5 (navigator.gpu is missing)`.
 */
export async function webGpuSkip(): Promise<string | undefined> {
  return (await probeWebGpu()) ?? undefined;
}

/** `{ gpu, skip: undefined }` with a device, or `{ gpu: null, skip: reason }` without one. */
export async function gpuForTests(): Promise<{ gpu: Gpu; skip: undefined } | { gpu: null; skip: string }> {
  const skip = await webGpuSkip();
  if (skip !== undefined) return { gpu: null, skip };
  return { gpu: (await createWebGpuOps()).gpu, skip: undefined };
}

/** A tensor of `n` values poisoned with NaN, so an element the kernel fails to write shows up. */
export function poisoned(gpu: Gpu, n: number): GpuTensor {
  return gpu.upload(new Float32Array(n).fill(NaN), "poisoned output");
}
