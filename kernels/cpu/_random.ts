/**
 * Seeded random arrays for the kernel tests (internal). fast-check picks shapes and seeds;
 * this fills the arrays, which is much faster than asking fast-check for every element.
 *
 * @module
 */

/** A Float32Array of `n` values uniform in [-scale, scale), deterministic for a given `seed`. */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    out[i] = (((r ^ (r >>> 14)) >>> 0) / 4294967296 * 2 - 1) * scale;
  }
  return out;
}
