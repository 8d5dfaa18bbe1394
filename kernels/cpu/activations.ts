/**
 * Elementwise activations: SiLU and SwiGLU (Llama's MLP), exact and tanh-approximated GELU.
 *
 * @module
 */

/**
 * `silu(x) = x · σ(x) = x / (1 + exp(-x))`.
 *
 * @example
 * ```ts
 * silu(1); // 0.7310585786300049
 * ```
 */
export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/**
 * Llama's gated MLP activation: `out[i] = silu(gate[i]) · up[i]`, with `gate = gate_proj(x)` and
 * `up = up_proj(x)`. `out` may alias `gate` or `up`.
 *
 * @param out  [n] result
 * @param gate [n]
 * @param up   [n]
 */
export function swiglu(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = silu(gate[i]) * up[i];
}

/**
 * Exact GELU, `torch.nn.functional.gelu(x)`: `out[i] = x · Φ(x) = 0.5 · x · (1 + erf(x / √2))`.
 * `out` may alias `x`.
 *
 * @param out [n] result
 * @param x   [n] input
 */
export function gelu(out: Float32Array, x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
  }
}

/**
 * GELU, tanh approximation (`gelu(x, approximate="tanh")`, GPT-2's `gelu_new`, BLOOM):
 * `out[i] = 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))`. `out` may alias `x`.
 *
 * @param out [n] result
 * @param x   [n] input
 */
export function geluTanh(out: Float32Array, x: Float32Array, n: number): void {
  const k = Math.sqrt(2 / Math.PI);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = 0.5 * v * (1 + Math.tanh(k * (v + 0.044715 * v * v * v)));
  }
}

// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969),
// coefficients as in his CALERF (netlib specfun). Accurate to float64 precision on each interval.
const A = [
  3.16112374387056560e00,
  1.13864154151050156e02,
  3.77485237685302021e02,
  3.20937758913846947e03,
  1.85777706184603153e-1,
];
const B = [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03];
const C = [
  5.64188496988670089e-1,
  8.88314979438837594e00,
  6.61191906371416295e01,
  2.98635138197400131e02,
  8.81952221241769090e02,
  1.71204761263407058e03,
  2.05107837782607147e03,
  1.23033935479799725e03,
  2.15311535474403846e-8,
];
const D = [
  1.57449261107098347e01,
  1.17693950891312499e02,
  5.37181101862009858e02,
  1.62138957456669019e03,
  3.29079923573345963e03,
  4.36261909014324716e03,
  3.43936767414372164e03,
  1.23033935480374942e03,
];
const P = [
  3.05326634961232344e-1,
  3.60344899949804439e-1,
  1.25781726111229246e-1,
  1.60837851487422766e-2,
  6.58749161529837803e-4,
  1.63153871373020978e-2,
];
const Q = [
  2.56852019228982242e00,
  1.87295284992346047e00,
  5.27905102951428412e-1,
  6.05183413124413191e-2,
  2.33520497626869185e-3,
];
const INV_SQRT_PI = 0.56418958354775628695;

/**
 * The error function `erf(x) = 2/√π ∫₀ˣ exp(-t²) dt`, by W. J. Cody's rational approximations
 * (absolute error around 1e-16; JavaScript has no `Math.erf`).
 *
 * @example
 * ```ts
 * erf(1); // 0.8427007929497149
 * ```
 */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.46875) {
    // erf(x) = x · R(x²) near 0
    const z = y * y;
    let num = A[4] * z, den = z;
    for (let i = 0; i < 3; i++) {
      num = (num + A[i]) * z;
      den = (den + B[i]) * z;
    }
    return x * (num + A[3]) / (den + B[3]);
  }
  // Further out compute erfc(y) = exp(-y²) · R(y), then erf = ±(1 - erfc).
  let r: number;
  if (y <= 4) {
    let num = C[8] * y, den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]) * y;
      den = (den + D[i]) * y;
    }
    r = (num + C[7]) / (den + D[7]);
  } else {
    if (y >= 6) return x > 0 ? 1 : -1; // erfc(6) ≈ 2e-17: erf is ±1 in float64
    const z = 1 / (y * y);
    let num = P[5] * z, den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]) * z;
      den = (den + Q[i]) * z;
    }
    r = (INV_SQRT_PI - z * (num + P[4]) / (den + Q[4])) / y;
  }
  // exp(-y²) split as exp(-ysq²) · exp(-(y - ysq)(y + ysq)) with ysq = y rounded to 1/16, as Cody does,
  // so the rounding error of y² is not amplified.
  const ysq = Math.trunc(y * 16) / 16;
  const erfc = Math.exp(-ysq * ysq) * Math.exp(-(y - ysq) * (y + ysq)) * r;
  return x > 0 ? 1 - erfc : erfc - 1;
}
