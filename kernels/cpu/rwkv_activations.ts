/**
 * The elementwise functions of RWKV blocks, in place on `x[0..n)`: σ for receptance and gates,
 * tanh for the low-rank (LoRA) projections, SiLU for the v5.2/v6 gate, relu² for the
 * channel mix, and the elementwise product.
 *
 * @module
 */

/** The elementwise functions of RWKV blocks, by name (the GPU dispatcher takes the same names). */
export type RwkvActivation = "sigmoid" | "tanh" | "silu" | "relu2";

/**
 * `x ← σ(x) = 1 / (1 + exp(−x))`.
 *
 * @example
 * ```ts
 * const x = new Float32Array([0]);
 * sigmoidInPlace(x, 1); // x = [0.5]
 * ```
 */
export function sigmoidInPlace(x: Float32Array, n: number = x.length): void {
  for (let i = 0; i < n; i++) x[i] = 1 / (1 + Math.exp(-x[i]));
}

/** `x ← tanh(x)`. */
export function tanhInPlace(x: Float32Array, n: number = x.length): void {
  for (let i = 0; i < n; i++) x[i] = Math.tanh(x[i]);
}

/** `x ← silu(x) = x·σ(x)`. */
export function siluInPlace(x: Float32Array, n: number = x.length): void {
  for (let i = 0; i < n; i++) x[i] = x[i] / (1 + Math.exp(-x[i]));
}

/**
 * `x ← relu(x)²`, the channel mix's activation.
 *
 * @example
 * ```ts
 * const x = new Float32Array([-2, 3]);
 * reluSquaredInPlace(x); // x = [0, 9]
 * ```
 */
export function reluSquaredInPlace(x: Float32Array, n: number = x.length): void {
  for (let i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] * x[i] : 0;
}

/** `x ← x ⊙ y`. */
export function mulInPlace(x: Float32Array, y: Float32Array, n: number = x.length): void {
  for (let i = 0; i < n; i++) x[i] *= y[i];
}
