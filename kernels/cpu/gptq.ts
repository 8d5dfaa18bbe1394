/**
 * The GPTQ linear layer: `out = x · Wᵀ (+ bias)` where W [N, K] is never stored, only its packed
 * integer codes, per-group zero points and scales (AutoGPTQ's `QuantLinear` buffers):
 *
 *   W[n, k] = scales[g, n] · (q[k, n] − z[g, n]),   g = g_idx[k]
 *
 * | buffer    | shape              | content                                                   |
 * |-----------|--------------------|-----------------------------------------------------------|
 * | `qweight` | [⌈K·b/32⌉, N] i32  | codes q[k, n] ∈ [0, 2^b), packed along the input dim `k`  |
 * | `qzeros`  | [G, ⌈N·b/32⌉] i32  | zero points, packed along the output dim `n`              |
 * | `scales`  | [G, N]             | float16 in the checkpoint, float32 here (exact)           |
 * | `g_idx`   | [K]                | group of input column k (a permutation under act-order)   |
 *
 * Packing (AutoGPTQ auto_gptq/nn_modules/qlinear/qlinear_cuda.py, `QuantLinear.pack`, and its
 * `forward`, which unpacks with `wf` shifts; the 3-bit branch there moves the straddling bits of
 * codes 10 and 21 between words): along the packed dimension the codes form one little-endian bit
 * stream, code j in bits j·b .. j·b+b−1, cut into 32-bit words. For b = 2, 4, 8 no code crosses a
 * word; for b = 3 codes 10 and 21 of every 32 do.
 *
 * Zero points: `zeroOffset` is added to the stored field. The `gptq` (v1) checkpoint format
 * stores z − 1 (AutoGPTQ `QuantLinear.pack`: `zeros -= 1`; every AutoGPTQ kernel adds 1 back after
 * masking, e.g. qlinear_cuda_old.py `QuantLinear.forward`: `zeros = zeros + 1`), so v1 uses
 * `zeroOffset = 1`; `gptq_v2` (GPTQModel gptqmodel/utils/model.py,
 * `convert_gptq_v1_to_v2_format`) stores z as is: `zeroOffset = 0`. The field is masked to b bits
 * before the offset is added, as AutoGPTQ does, so a v1 zero point of 0 (stored −1) reads as 2^b.
 *
 * `gptqLinear` dequantizes one panel of {@link MATMUL_PANEL} rows of W at a time into a scratch
 * [panel, K] and runs the float matmul on it, so memory stays at the packed size plus one panel,
 * and the result is bit-identical to `gptqLinearNaive` (dequantize all of W, then `matmulNaive`):
 * the dequantized values are exact in float32 (an f16 scale times an integer below 2^9) and
 * `matmul` keeps the naive summation order.
 *
 * @module
 */
import { matmul, MATMUL_PANEL, matmulNaive } from "./matmul.ts";

/** The packed buffers of one GPTQ linear layer, `in_features` K → `out_features` N. */
export interface GptqLinear {
  /** Bits per code b: 2, 3, 4 or 8. */
  bits: number;
  /** in_features. */
  K: number;
  /** out_features. */
  N: number;
  /** Number of groups G (rows of qzeros and scales). */
  G: number;
  /** Codes q[k, n], packed along the input dim k: [⌈K·b/32⌉, N]. */
  qweight: Int32Array;
  /** Zero points z[g, n] (stored minus `zeroOffset`), packed along the output dim n: [G, ⌈N·b/32⌉]. */
  qzeros: Int32Array;
  /** Scales [G, N] (float16 in the checkpoint, exact in float32). */
  scales: Float32Array;
  /** Group of each input column k: [K] (ascending, except under act-order). */
  g_idx: Int32Array;
  /** Added to each stored zero point: 1 for the `gptq` (v1) format, 0 for `gptq_v2`. */
  zeroOffset: number;
}

/** Words needed for `count` codes of `bits` bits packed as one bit stream. */
export function packedWords(count: number, bits: number): number {
  return Math.ceil((count * bits) / 32);
}

/**
 * Code `j` along a packed dimension: bits j·b .. j·b+b−1 of the stream whose 32-bit words sit at
 * `words[base + w·stride]`, w = 0, 1, ...
 */
export function unpackCode(words: Int32Array, base: number, stride: number, j: number, bits: number): number {
  const bit = j * bits;
  const w = bit >>> 5, shift = bit & 31;
  let v = words[base + w * stride] >>> shift;
  if (shift + bits > 32) v |= words[base + (w + 1) * stride] << (32 - shift);
  return v & ((1 << bits) - 1);
}

/** Rows n0..n1−1 of W, dequantized: `out` [n1−n0, K]. */
export function dequantizeGptqRows(out: Float32Array, p: GptqLinear, n0: number, n1: number): void {
  const { bits, K, N, qweight, qzeros, scales, g_idx, zeroOffset } = p;
  const zWords = packedWords(N, bits);
  for (let n = n0; n < n1; n++) {
    const row = (n - n0) * K;
    for (let k = 0; k < K; k++) {
      const g = g_idx[k];
      const q = unpackCode(qweight, n, N, k, bits); // column n, packed down the rows
      const z = unpackCode(qzeros, g * zWords, 1, n, bits) + zeroOffset; // row g, packed along it
      out[row + k] = scales[g * N + n] * (q - z);
    }
  }
}

/**
 * GPTQ linear layer: `out[t, n] = Σ_k x[t, k] · W[n, k] + bias[n]` with W dequantized one panel
 * of rows at a time; bit-identical to {@link gptqLinearNaive}.
 *
 * @param out  [T, N] result (must not alias `x`)
 * @param x    [T, K] input rows
 * @param p    the packed weight
 * @param bias [N] optional bias
 *
 * @example
 * ```ts
 * // K = 8 inputs, N = 1 output, 4 bits, one group: codes 0..7, zero point 8 (stored 7, v1), scale 0.5
 * const p = { bits: 4, K: 8, N: 1, G: 1, qweight: new Int32Array([0x76543210]), qzeros: new Int32Array([7]),
 *   scales: new Float32Array([0.5]), g_idx: new Int32Array(8), zeroOffset: 1 };
 * const out = new Float32Array(1);
 * gptqLinear(out, new Float32Array(8).fill(1), p, 1); // out = [0.5 · Σ (q − 8)] = [-18]
 * ```
 */
export function gptqLinear(out: Float32Array, x: Float32Array, p: GptqLinear, T: number, bias?: Float32Array): void {
  const { K, N } = p;
  const panel = new Float32Array(Math.min(N, MATMUL_PANEL) * K); // [≤64, K] dequantized rows of W
  const part = new Float32Array(T * Math.min(N, MATMUL_PANEL)); // [T, ≤64]
  for (let n0 = 0; n0 < N; n0 += MATMUL_PANEL) {
    const n1 = Math.min(N, n0 + MATMUL_PANEL), width = n1 - n0;
    dequantizeGptqRows(panel, p, n0, n1);
    matmul(part, x, panel, T, K, width, bias?.subarray(n0, n1));
    for (let t = 0; t < T; t++) out.set(part.subarray(t * width, (t + 1) * width), t * N + n0);
  }
}

/** Code j of a packed stream read one bit at a time (the reference for {@link unpackCode}). */
function codeBitByBit(words: Int32Array, base: number, stride: number, j: number, bits: number): number {
  let v = 0;
  for (let i = 0; i < bits; i++) {
    const bit = j * bits + i;
    v |= ((words[base + (bit >>> 5) * stride] >>> (bit & 31)) & 1) << i;
  }
  return v;
}

/** Reference dequantization: W [N, K] from the packed buffers, each bit read on its own. */
export function dequantizeGptqNaive(p: GptqLinear): Float32Array {
  const { bits, K, N, qweight, qzeros, scales, g_idx, zeroOffset } = p;
  const w = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const g = g_idx[k];
      const z = codeBitByBit(qzeros, g * packedWords(N, bits), 1, n, bits) + zeroOffset;
      w[n * K + k] = scales[g * N + n] * (codeBitByBit(qweight, n, N, k, bits) - z);
    }
  }
  return w;
}

/** Reference for {@link gptqLinear}: dequantize all of W, then {@link matmulNaive}. */
export function gptqLinearNaive(
  out: Float32Array,
  x: Float32Array,
  p: GptqLinear,
  T: number,
  bias?: Float32Array,
): void {
  matmulNaive(out, x, dequantizeGptqNaive(p), T, p.K, p.N, bias);
}

/**
 * Packs `codes` [count] of `bits` bits into the little-endian bit stream of {@link unpackCode}
 * (the inverse of unpacking; AutoGPTQ `QuantLinear.pack`): words at `words[base + w·stride]`.
 */
export function packCodes(
  words: Int32Array,
  base: number,
  stride: number,
  codes: ArrayLike<number>,
  bits: number,
): void {
  for (let j = 0; j < codes.length; j++) {
    const c = codes[j] & ((1 << bits) - 1);
    const bit = j * bits;
    const w = bit >>> 5, shift = bit & 31;
    words[base + w * stride] |= c << shift;
    if (shift + bits > 32) words[base + (w + 1) * stride] |= c >>> (32 - shift);
  }
}
