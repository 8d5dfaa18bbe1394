/**
 * Sequential (paper Table 3, the operational definition; docs/metrics.md): remove layer 0 first,
 * then 1, 2, ... The score of layer i is i, so the ascending order is 0, 1, 2, ...
 * (The paper's Sec. 4.4 text describes the opposite direction; docs/metrics.md explains.)
 *
 * @module
 */

/** Scores i for i = 0..L−1. */
export function sequentialScores(numLayers: number): number[] {
  return Array.from({ length: numLayers }, (_, i) => i);
}
