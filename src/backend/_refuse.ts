/**
 * What the GPU kernels assert about sizes a GPU cannot take (a head dim above the shader's, a
 * tensor above one binding) is the user's model meeting this adapter: the WebGPU backend checks
 * first and reports it as a {@link UserError} that says to use the CPU backend (internal).
 *
 * @module
 */
import { UserError } from "../errors.ts";

/** Throws `problem` (from a kernel's `...Problem()` check) as a {@link UserError}; null passes. */
export function refuseOnGpu(problem: string | null): void {
  if (problem !== null) throw new UserError(problem);
}
