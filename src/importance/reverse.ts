/**
 * Reverse-order (paper Table 3; docs/metrics.md): remove the last layer first, then L−2, ...
 * The score of layer i is L−1−i, so the ascending order is L−1, L−2, ..., 0.
 *
 * @module
 */

/** Scores L−1−i for i = 0..L−1. */
export function reverseScores(numLayers: number): number[] {
  return Array.from({ length: numLayers }, (_, i) => numLayers - 1 - i);
}
