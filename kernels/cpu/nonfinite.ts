/**
 * Whether an array holds NaN or ±Inf: the overflow check of a forward pass. The WebGPU backend
 * answers it on the device (`kernels/wgsl/nonfinite.wgsl`) so that only one number comes back
 * instead of the hidden state; this is its oracle.
 *
 * @module
 */

/** Index of the first NaN or ±Inf in x[0..n), or −1. */
export function firstNonFinite(x: Float32Array, n: number = x.length): number {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) return i; // NaN − NaN and Inf − Inf are NaN; every finite v gives 0
  }
  return -1;
}

/**
 * `out[0] = 1` when any of x[0..n) is NaN or ±Inf, else `0`.
 *
 * @example
 * ```ts
 * const out = new Float32Array(1);
 * anyNonFinite(out, new Float32Array([1, Infinity]), 2); // out = [1]
 * anyNonFinite(out, new Float32Array([1, Infinity]), 1); // out = [0]: only x[0] is looked at
 * ```
 */
export function anyNonFinite(out: Float32Array, x: Float32Array, n: number): void {
  out[0] = firstNonFinite(x, n) >= 0 ? 1 : 0;
}

/** {@link anyNonFinite} by `Number.isFinite`, for tests. */
export function anyNonFiniteNaive(out: Float32Array, x: Float32Array, n: number): void {
  out[0] = Array.from(x.subarray(0, n)).every(Number.isFinite) ? 0 : 1;
}
