/**
 * Making a GPTQ linear (Frantar et al. 2022, "GPTQ: Accurate Post-Training Quantization for
 * Generative Pre-trained Transformers", Algorithm 1), as AutoGPTQ computes it
 * (auto_gptq/quantization/gptq.py `GPTQ.fasterquant`, auto_gptq/quantization/quantizer.py
 * `Quantizer.find_params` and `quantize`), in float64. W is [N, K] (`nn.Linear.weight`), the
 * Hessian H = 2/n Σ x xᵀ [K, K] over the n calibration inputs x [K] of the linear.
 *
 * Per output row and group, the grid (find_params): xmin = min(0, min w), xmax = max(0, max w);
 * symmetric: xmax = max(|xmin|, xmax), xmin = −xmax; both 0 → −1, 1; scale = (xmax − xmin) /
 * maxq, zero = (maxq + 1) / 2 symmetric, else round(−xmin / scale); a code is
 * clamp(round(w / scale) + zero, 0, maxq) (torch.round: halves to even). Codes and the error
 * feedback use the unrounded scale; only the stored scale is rounded (`roundScale`, to float16 in
 * a checkpoint), as AutoGPTQ keeps float32 scales in `fasterquant` and converts them to half in
 * `QuantLinear.pack` (which re-derives the same codes). The independent reference's RTN fixture
 * agrees with this bit for bit (src/quantize/quantize_test.ts).
 *
 * GPTQ (fasterquant): dead inputs (H[k,k] = 0) get H[k,k] = 1 and W[:,k] = 0; act-order permutes
 * the columns by decreasing diag(H); H += damp · mean(diag H) · I; Hinv = upper Cholesky factor
 * of H⁻¹ (computed once per Hessian, {@link prepareHessian}, and shared by the linears that read
 * the same input); then columns are quantized left to right in blocks of `blockSize`, each column's error
 * (w − q) / Hinv[i,i] spread onto the later columns of its block through row i of Hinv, and the
 * block's errors onto all later columns at the end of the block (lazy batch updates). With groups,
 * a group's grid is found when its first column comes up, from W as it stands then (AutoGPTQ
 * reads `W[:, i1+i : i1+i+groupsize]`, i.e. before the current block's in-block updates).
 * Round-to-nearest (RTN) is the same grid with no error feedback.
 *
 * @module
 */
import { type GptqLinear, packCodes, packedWords } from "./gptq.ts";
import { squareMatrix, upperCholeskyOfInverseInPlace } from "./gptq_linalg.ts";
import { lazyUpdate, lazyUpdateWasm } from "./gptq_update_wasm.ts";

export {
  cholesky,
  invertLower,
  squareMatrix,
  upperCholeskyOfInverse,
  upperCholeskyOfInverseInPlace,
} from "./gptq_linalg.ts";

/** Options of {@link gptqQuantize} and {@link rtnQuantize}. */
export interface QuantizeOptions {
  /** Bits per code: 2, 3, 4 or 8. */
  bits: number;
  /** Inputs per group, or −1 for one group over all K inputs. */
  groupSize: number;
  /** Symmetric grid (zero point fixed at (maxq+1)/2). */
  sym: boolean;
  /** Act-order: quantize columns in order of decreasing Hessian diagonal. */
  descAct?: boolean;
  /** Dampening as a fraction of mean(diag H) (AutoGPTQ's damp_percent, default 0.01). */
  dampPercent?: number;
  /** Columns per lazy-update block (AutoGPTQ's blocksize, default 128). */
  blockSize?: number;
  /** Rounds a stored scale to its storage precision (float16 in a checkpoint); identity by default. */
  roundScale?: (s: number) => number;
}

/** A quantized linear before packing: codes, per-group scales and zero points, the group of each input. */
export interface QuantizedLinear {
  K: number;
  N: number;
  G: number;
  codes: Int32Array; // [N, K] in [0, 2^bits)
  scales: Float64Array; // [G, N]
  zeros: Int32Array; // [G, N] actual zero points (not minus one)
  g_idx: Int32Array; // [K]
}

/** torch.round: to nearest, halves to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The grid of one row's group of weights `w` (AutoGPTQ's find_params with weight=True), with one
 * change: an asymmetric zero point that rounds to 0 becomes 1, with scale xmax / (maxq − 1).
 * The "gptq" (v1) format stores zero points minus one, so 0 has no field (AutoGPTQ writes −1 masked
 * to b bits, which loaders read back differently: docs/quantization.md). The wider step still
 * covers the group: |xmin| < scale/2 is what made the zero round to 0, and the new step is larger.
 */
function findParams(w: ArrayLike<number>, from: number, to: number, maxq: number, sym: boolean) {
  let xmin = 0, xmax = 0;
  for (let k = from; k < to; k++) {
    xmin = Math.min(xmin, w[k]);
    xmax = Math.max(xmax, w[k]);
  }
  if (sym) {
    xmax = Math.max(-xmin, xmax);
    if (xmin < 0) xmin = -xmax;
  }
  if (xmin === 0 && xmax === 0) [xmin, xmax] = [-1, 1];
  const scale = (xmax - xmin) / maxq;
  const zero = sym ? (maxq + 1) / 2 : roundHalfEven(-xmin / scale);
  if (zero === 0) return { scale: xmax / (maxq - 1), zero: 1 }; // asymmetric only: sym's zero is (maxq+1)/2
  return { scale, zero };
}

const code = (w: number, scale: number, zero: number, maxq: number) =>
  Math.min(maxq, Math.max(0, roundHalfEven(w / scale) + zero));

function groupsOf(K: number, groupSize: number): { group: number; G: number } {
  const group = groupSize === -1 ? K : groupSize;
  return { group, G: Math.ceil(K / group) };
}

/** Round-to-nearest on the GPTQ grid: each weight to its nearest code, groups k // groupSize. */
export function rtnQuantize(
  w: Float64Array | Float32Array,
  N: number,
  K: number,
  opts: QuantizeOptions,
): QuantizedLinear {
  const maxq = 2 ** opts.bits - 1, round = opts.roundScale ?? ((s: number) => s);
  const { group, G } = groupsOf(K, opts.groupSize);
  const codes = new Int32Array(N * K), scales = new Float64Array(G * N), zeros = new Int32Array(G * N);
  const row = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) row[k] = w[n * K + k];
    for (let g = 0; g < G; g++) {
      const { scale, zero } = findParams(row, g * group, Math.min(K, (g + 1) * group), maxq, opts.sym);
      scales[g * N + n] = round(scale);
      zeros[g * N + n] = zero;
      for (let k = g * group; k < Math.min(K, (g + 1) * group); k++) codes[n * K + k] = code(row[k], scale, zero, maxq);
    }
  }
  return { K, N, G, codes, scales, zeros, g_idx: Int32Array.from({ length: K }, (_, k) => Math.floor(k / group)) };
}

/**
 * The part of GPTQ that depends on the Hessian only, shared by the linears that read the same
 * input (k/v/q, up/gate): dead inputs, the act-order permutation, and the upper Cholesky factor
 * of the dampened H⁻¹ (in permuted order).
 */
export interface GptqHessian {
  K: number;
  /** Inputs with H[k,k] = 0 (their weights are zeroed). */
  dead: Uint8Array;
  /** Column j of the quantization order is input perm[j]. */
  perm: Int32Array;
  /** Upper triangular [K,K], H⁻¹ = Uᵀ U. */
  Hinv: Float64Array;
}

/**
 * Prepares `hessian` [K,K] for {@link gptqQuantizePrepared}; null when H + damping is not positive
 * definite. By default `hessian` is not modified and one K×K work buffer is allocated. With
 * `consume: true` the work happens in `hessian`'s own buffer, which becomes the returned `Hinv`
 * (its old values are gone, also when null is returned): for a caller that no longer needs the
 * Hessian, a K-input linear then needs one K×K float64 matrix instead of two. Either way every
 * entry is computed by the same operations in the same order (the same bits).
 */
export function prepareHessian(
  hessian: Float64Array,
  K: number,
  opts: Pick<QuantizeOptions, "descAct" | "dampPercent"> & { consume?: boolean },
): GptqHessian | null {
  const damp = opts.dampPercent ?? 0.01;
  let H = hessian;
  if (!opts.consume) (H = squareMatrix(K)).set(hessian.subarray(0, K * K)); // squareMatrix: SIMD where it fits
  const dead = new Uint8Array(K);
  for (let k = 0; k < K; k++) {
    if (H[k * K + k] === 0) {
      H[k * K + k] = 1;
      dead[k] = 1;
    }
  }
  let perm = Int32Array.from({ length: K }, (_, k) => k);
  if (opts.descAct) {
    perm = Int32Array.from([...perm].sort((a, b) => H[b * K + b] - H[a * K + a] || a - b));
    permuteSymmetric(H, K, perm);
  }
  let mean = 0;
  for (let k = 0; k < K; k++) mean += H[k * K + k];
  mean /= K;
  for (let k = 0; k < K; k++) H[k * K + k] += damp * mean;
  return upperCholeskyOfInverseInPlace(H, K) ? { K, dead, perm, Hinv: H } : null;
}

/** H [K,K] ← P H Pᵀ in place (H[i,j] becomes H[perm[i], perm[j]]): columns row by row, then rows along perm's cycles. */
function permuteSymmetric(H: Float64Array, K: number, perm: Int32Array): void {
  permuteColumns(H, K, K, perm);
  const row = new Float64Array(K), done = new Uint8Array(K);
  for (let start = 0; start < K; start++) {
    if (done[start]) continue;
    row.set(H.subarray(start * K, (start + 1) * K)); // old row `start`, needed where the cycle closes
    let i = start;
    for (; perm[i] !== start; i = perm[i]) {
      H.copyWithin(i * K, perm[i] * K, (perm[i] + 1) * K); // new row i = old row perm[i]
      done[i] = 1;
    }
    H.set(row, i * K);
    done[i] = 1;
  }
}

/**
 * GPTQ of `w` [N, K] with Hessian `hessian` [K, K] (not modified). Returns null when H + damping
 * is not positive definite (raise the dampening).
 */
export function gptqQuantize(
  w: Float64Array | Float32Array,
  hessian: Float64Array,
  N: number,
  K: number,
  opts: QuantizeOptions,
): QuantizedLinear | null {
  const prepared = prepareHessian(hessian, K, opts);
  return prepared && gptqQuantizePrepared(w, prepared, N, opts);
}

/** The lazy-batch update: WebAssembly SIMD where the runtime has it, else its JavaScript twin (the same bits). */
let lazy: typeof lazyUpdate | undefined;

/** GPTQ of `w` [N, K] with a Hessian made ready by {@link prepareHessian}. */
export function gptqQuantizePrepared(
  w: Float64Array | Float32Array,
  prepared: GptqHessian,
  N: number,
  opts: QuantizeOptions,
): QuantizedLinear {
  const { K, dead, perm, Hinv } = prepared;
  const maxq = 2 ** opts.bits - 1, round = opts.roundScale ?? ((s: number) => s);
  const blockSize = opts.blockSize ?? 128;
  const { group, G } = groupsOf(K, opts.groupSize);
  const W = Float64Array.from(w); // [N, K], columns permuted below under act-order
  // One grid for the whole row when there are no groups: found before anything changes W.
  const rowGrid = opts.groupSize === -1
    ? Array.from({ length: N }, (_, n) => findParams(W.subarray(n * K, (n + 1) * K), 0, K, maxq, opts.sym))
    : null;
  for (let k = 0; k < K; k++) {
    if (dead[k]) { for (let n = 0; n < N; n++) W[n * K + k] = 0; }
  }
  if (opts.descAct) permuteColumns(W, N, K, perm);

  const Q = new Int32Array(N * K); // codes, permuted order
  const scales = new Float64Array(G * N), zeros = new Int32Array(G * N);
  const scale = new Float64Array(N), zero = new Float64Array(N);
  if (rowGrid) {
    rowGrid.forEach((p, n) => {
      scale[n] = p.scale;
      scales[n] = round(p.scale);
      zero[n] = zeros[n] = p.zero;
    });
  }
  const W1 = new Float64Array(N * blockSize), Err1 = new Float64Array(N * blockSize);
  for (let i1 = 0; i1 < K; i1 += blockSize) {
    const i2 = Math.min(i1 + blockSize, K), count = i2 - i1;
    for (let n = 0; n < N; n++) for (let i = 0; i < count; i++) W1[n * blockSize + i] = W[n * K + i1 + i];
    for (let i = 0; i < count; i++) {
      const col = i1 + i;
      if (!rowGrid && col % group === 0) {
        const g = col / group;
        for (let n = 0; n < N; n++) {
          const p = findParams(W.subarray(n * K, (n + 1) * K), col, Math.min(K, col + group), maxq, opts.sym);
          scale[n] = p.scale;
          scales[g * N + n] = round(p.scale);
          zero[n] = zeros[g * N + n] = p.zero;
        }
      }
      const d = Hinv[col * K + col];
      for (let n = 0; n < N; n++) {
        const wv = W1[n * blockSize + i];
        const q = code(wv, scale[n], zero[n], maxq);
        Q[n * K + col] = q;
        const err = (wv - scale[n] * (q - zero[n])) / d;
        for (let j = i; j < count; j++) W1[n * blockSize + j] -= err * Hinv[col * K + i1 + j];
        Err1[n * blockSize + i] = err;
      }
    }
    // Lazy batch update: the block's errors onto every later column, W[n, j] −= Σ_i Err1[n,i] Hinv[i1+i, j].
    lazy ??= lazyUpdateWasm() ?? lazyUpdate;
    lazy(W, Err1, blockSize, Hinv, N, K, i1, count, i2);
  }
  // Back to the checkpoint's column order; g_idx of original column perm[j] is j // group.
  // Without act-order the order is the checkpoint's: Q is the codes (no second [N, K] buffer).
  const identity = perm.every((p, j) => p === j);
  const codes = identity ? Q : new Int32Array(N * K), g_idx = new Int32Array(K);
  for (let j = 0; j < K; j++) {
    g_idx[perm[j]] = Math.floor(j / group);
    if (!identity) { for (let n = 0; n < N; n++) codes[n * K + perm[j]] = Q[n * K + j]; }
  }
  return { K, N, G, codes, scales, zeros, g_idx };
}

function permuteColumns(W: Float64Array, N: number, K: number, perm: Int32Array): void {
  const row = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < K; j++) row[j] = W[n * K + perm[j]];
    W.set(row, n * K);
  }
}

/** W [N, K] as the codes say: scales[g, n] · (codes[n, k] − zeros[g, n]), g = g_idx[k]. */
export function dequantizeCodes(q: QuantizedLinear): Float64Array {
  const { K, N, codes, scales, zeros, g_idx } = q;
  const w = new Float64Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) w[n * K + k] = scales[g_idx[k] * N + n] * (codes[n * K + k] - zeros[g_idx[k] * N + n]);
  }
  return w;
}

/**
 * Packs `q` into the checkpoint buffers of kernels/cpu/gptq.ts (AutoGPTQ
 * auto_gptq/nn_modules/qlinear/qlinear_cuda.py `QuantLinear.pack`): codes along the input dim,
 * zero points along the output dim, stored minus `zeroOffset` (1 for the `gptq` v1 format) and
 * masked to `bits` bits; scales as given (the caller stores them as float16).
 */
export function packGptq(q: QuantizedLinear, bits: number, zeroOffset = 1): GptqLinear {
  const { K, N, G } = q;
  const qweight = new Int32Array(packedWords(K, bits) * N);
  const column = new Int32Array(K);
  for (let n = 0; n < N; n++) {
    column.set(q.codes.subarray(n * K, (n + 1) * K));
    packCodes(qweight, n, N, column, bits);
  }
  const zWords = packedWords(N, bits);
  const qzeros = new Int32Array(G * zWords);
  for (let g = 0; g < G; g++) {
    packCodes(qzeros, g * zWords, 1, Array.from(q.zeros.subarray(g * N, (g + 1) * N), (z) => z - zeroOffset), bits);
  }
  return {
    bits,
    K,
    N,
    G,
    qweight,
    qzeros,
    scales: Float32Array.from(q.scales),
    g_idx: Int32Array.from(q.g_idx),
    zeroOffset,
  };
}
