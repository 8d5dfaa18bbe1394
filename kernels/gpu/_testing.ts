/**
 * Set-up shared by the GPU kernel tests (internal): the device, or the reason there is none,
 * so each test file can skip visibly with `test(name, fn, { skip })`.
 *
 * @module
 */
import { type Gpu, type GpuTensor, GpuUnavailable, openGpu } from "./device.ts";

/** `{ gpu, skip: undefined }` with a device, or `{ gpu: null, skip: reason }` without one. */
export async function gpuForTests(): Promise<{ gpu: Gpu; skip: undefined } | { gpu: null; skip: string }> {
  try {
    return { gpu: await openGpu(), skip: undefined };
  } catch (e) {
    if (!(e instanceof GpuUnavailable)) throw e;
    return { gpu: null, skip: `WebGPU is not available in this runtime (${e.message})` };
  }
}

/** A tensor of `n` values poisoned with NaN, so an element the kernel fails to write shows up. */
export function poisoned(gpu: Gpu, n: number): GpuTensor {
  return gpu.upload(new Float32Array(n).fill(NaN), "poisoned output");
}
