/**
 * What the importance metrics share: the scores they produce, the removal order, and the
 * interface through which hidden-state metrics see the residual stream.
 *
 * A hidden-state metric is fed window by window and never needs every window's hidden states
 * at once: `step(i, X_i, X_{i+1})` for each block, `state(w, i, X_i)` for metrics that compare
 * layers further apart. Both orders of work call them the same way: window-major (the whole
 * model per window) and layer-major (layer streaming: every window through one block).
 *
 * A metric that only needs per-token cosines and relative changes between neighbouring layers
 * (BI, Relative Magnitude) also takes them already summed over a window's tokens,
 * `changeSums(i, Σ(1 − cos), Σ relmag, T)`: on a device backend those sums are computed where
 * the hidden states are (`Ops.changeSums`) and only two numbers per block come back.
 *
 * @module
 */

/** Conventions that change the numbers; echoed in every report. */
export interface Conventions {
  /** `raw`: X_L before the final norm (docs/conventions.md "Hidden states"); `hf`: after it (Hugging Face hidden_states[-1]). */
  lastHidden: "raw" | "hf";
  /** `mean` over tokens (the paper's Eq. 2) or `sum` (the authors' released code). */
  reduce: "mean" | "sum";
}

/** A metric computed from hidden states. */
export interface HiddenStateMetric {
  /** Block i of one window mapped xIn = X_i [T,D] to xOut = X_{i+1} [T,D]. */
  step?(i: number, xIn: Float32Array, xOut: Float32Array, T: number, D: number): void;
  /** X_i [T,D] of window `w`, for i = 0..L, in increasing i within a window. */
  state?(w: number, i: number, x: Float32Array, T: number, D: number): void;
  /**
   * Block i of one window, summed over its T tokens on the backend: `oneMinusCos` = Σ_t (1 − cos(X_i[t], X_{i+1}[t]))
   * (zero norm: cos 0.5), `relmag` = Σ_t ‖X_{i+1}[t] − X_i[t]‖ / ‖X_{i+1}[t]‖ (zero norm: 0). Used instead of
   * `step` where the hidden states stay on a device.
   */
  changeSums?(i: number, oneMinusCos: number, relmag: number, T: number): void;
  /** Scores, one per scored unit (layer, or block of n layers). */
  finish(): number[];
}

/** Indices sorted by ascending score, ties to the lower index: the order of removal. */
export function removalOrder(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
}
