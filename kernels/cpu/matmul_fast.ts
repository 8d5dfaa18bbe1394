/**
 * The `fast` precision's linear layer: float32 accumulation in WebAssembly SIMD, about 2× the
 * lanes of the exact kernel (kernels/cpu/matmul_wasm.ts), and a fused multiply-add where the
 * runtime has relaxed SIMD. Not the same bits as {@link matmulNaive}: within the float32 error
 * bound of the sum (docs/performance.md, "Precision").
 *
 * **The summation order** is fixed by the element, never by the tile, the chunk or the thread
 * that computes it, so the result is the same bits on 1 and N threads. For `out[t, n]`:
 *
 * ```
 * s_l = Σ_{k ≡ l (mod 4)} x[t, k] · w[n, k]     l = 0..3, each in float32, k ascending
 * out[t, n] = ((s_0 + s_1) + (s_2 + s_3)) + bias[n]      every + rounded to float32
 * ```
 *
 * The four partial sums are the four lanes of one `f32x4` accumulator walking k four at a time;
 * K is padded with zeros to a multiple of 4 (adding 0·0 changes no sum). Without relaxed SIMD
 * each step is `f32x4.mul` then `f32x4.add` (two roundings; {@link matmulFastNaive} reproduces
 * it bit for bit); with it, `f32x4.relaxed_madd` (one rounding where the CPU fuses, which x86
 * with FMA3 and ARM do).
 *
 * **The micro-kernel** computes a tile of R = 4 rows × C = 2 columns: 8 accumulators, 2 vectors
 * of w and 1 of x, 11 live v128 values, under the 16 registers of x86-64 (3×3 and 2×4 measured
 * the same within the noise; 5×2 was slower). It reads x from panels laid out for it, so that
 * every load of a group is at a constant offset from one pointer, and w from its rows as they
 * are (one pointer per row, C = 2 of them):
 *
 * ```
 * xp[g][kb][r][4] = x[R·g + r, 4·kb .. 4·kb+3]     groups of R rows (leftover rows: 1-row groups)
 * wr[n][K4]       = w[n, 0 .. K-1], then zeros     w's rows padded to K4 (a row of zeros past N)
 * ```
 *
 * In WAT, `panel(xp, wr, out, K4, ldo, G)` computes G row groups against C rows of w:
 *
 * ```wat
 * (loop $groups
 *   acc[r][c] := f32x4(0)
 *   (loop $k                                            ;; kb = 0 .. K4/4 - 1
 *     w[c] := v128.load wr[c][4·kb]                     ;; c < C
 *     for r < R: a := v128.load xp[g][kb][r]
 *                for c < C: acc[r][c] := a · w[c] + acc[r][c]   ;; mul+add, or relaxed_madd
 *   )
 *   for r, c: f32.store out[(R·g + r)·ldo + c] ((lane0 + lane1) + (lane2 + lane3))
 * )
 * ```
 *
 * The host side ({@link FastMatmul}) packs x once per call and copies the rows of w in its range
 * of columns into the kernel's memory (one `set` when K is a multiple of 4, as in every real
 * model). w itself is never repacked, so the backend keeps no second copy of any weight (a
 * layer-streamed 7B block is its float32 weights and nothing more). It walks the row groups in
 * blocks that stay in L2 and, for each block, the pairs of rows of w, then adds the bias while
 * copying the results out.
 *
 * @module
 */
import {
  BR_IF_0,
  END,
  F32X4_ADD,
  F32X4_MUL,
  get,
  I32,
  i32,
  I32_ADD,
  I32_LT_U,
  I32_MUL,
  LOOP,
  moduleBytes,
  set,
  simd,
  tee,
  uleb,
  V128,
  V128_LOAD,
  V128_ZERO,
  vec,
} from "./_wasm.ts";

/** Rows of x per micro-kernel tile. */
export const FAST_ROWS = 4;
/** Columns (rows of w) per micro-kernel tile. */
export const FAST_COLS = 2;

// ---- the WebAssembly module -------------------------------------------------------------------

const F32X4_EXTRACT_LANE = (lane: number) => simd(0x1f, lane);
const F32X4_RELAXED_MADD = simd(0x105);
const F32_ADD = [0x92];
const F32_STORE = (offset: number) => [0x38, 2, ...uleb(offset)];

// locals: params, then i32 scratch, then v128 registers
const XP = 0, WR = 1, OUT = 2, K4 = 3, LDO = 4, G = 5; // params (i32: bytes, or counts)
const G_I = 6, XQ = 7, XEND = 8, ROW = 9, WQ = 10; // i32; WQ + c points into row c of w

/** `panel(xp, wr, out, K4, ldo, G)` for R rows × C columns per tile (see the module comment). */
function panelBody(R: number, C: number, fused: boolean): number[] {
  const ACC = WQ + C, WV = ACC + R * C, A = WV + C; // v128: acc[r·C + c], w[c], a
  const c: number[] = [...vec([[...uleb(4 + C), I32], [...uleb(R * C + C + 1), V128]])];
  const emit = (...parts: number[][]) => parts.forEach((p) => c.push(...p));
  emit(i32(0), set(G_I), get(XP), set(XQ));
  emit(LOOP); // $groups
  for (let i = 0; i < R * C; i++) emit(V128_ZERO, set(ACC + i));
  for (let j = 0; j < C; j++) emit(get(WR), get(K4), i32(4 * j), I32_MUL, I32_ADD, set(WQ + j)); // row j: wr + 4·K4·j
  emit(get(XQ), get(K4), i32(4 * R), I32_MUL, I32_ADD, set(XEND)); // the group is R·K4 floats
  emit(LOOP); // $k
  for (let j = 0; j < C; j++) emit(get(WQ + j), V128_LOAD(0), set(WV + j));
  for (let r = 0; r < R; r++) {
    emit(get(XQ), V128_LOAD(16 * r), set(A));
    for (let j = 0; j < C; j++) {
      const acc = ACC + r * C + j;
      if (fused) emit(get(A), get(WV + j), get(acc), F32X4_RELAXED_MADD, set(acc));
      else emit(get(acc), get(A), get(WV + j), F32X4_MUL, F32X4_ADD, set(acc));
    }
  }
  for (let j = 0; j < C; j++) emit(get(WQ + j), i32(16), I32_ADD, set(WQ + j));
  emit(get(XQ), i32(16 * R), I32_ADD, tee(XQ), get(XEND), I32_LT_U, BR_IF_0);
  emit(END);
  for (let r = 0; r < R; r++) {
    // row = out + (R·g + r)·ldo
    emit(get(OUT), get(G_I), i32(R), I32_MUL, i32(r), I32_ADD, get(LDO), I32_MUL, I32_ADD, set(ROW));
    for (let j = 0; j < C; j++) {
      const acc = ACC + r * C + j;
      emit(get(ROW), get(acc), F32X4_EXTRACT_LANE(0), get(acc), F32X4_EXTRACT_LANE(1), F32_ADD);
      emit(get(acc), F32X4_EXTRACT_LANE(2), get(acc), F32X4_EXTRACT_LANE(3), F32_ADD, F32_ADD, F32_STORE(4 * j));
    }
  }
  emit(get(G_I), i32(1), I32_ADD, tee(G_I), get(G), I32_LT_U, BR_IF_0);
  emit(END);
  emit(END);
  return c;
}

/** The module: `panel` (R×C tiles) and `panel1` (1×C tiles, for the leftover rows). */
function fastBytes(fused: boolean): Uint8Array<ArrayBuffer> {
  return moduleBytes(6, [
    { name: "panel", body: panelBody(FAST_ROWS, FAST_COLS, fused) },
    { name: "panel1", body: panelBody(1, FAST_COLS, fused) },
  ]);
}

const compiled = new Map<boolean, WebAssembly.Module | null>();

function fastModule(fused: boolean): WebAssembly.Module | null {
  if (!compiled.has(fused)) {
    const bytes = fastBytes(fused);
    const ok = typeof WebAssembly === "object" && WebAssembly.validate(bytes);
    compiled.set(fused, ok ? new WebAssembly.Module(bytes) : null);
  }
  return compiled.get(fused)!;
}

/** Whether this runtime has relaxed SIMD's `f32x4.relaxed_madd` (Deno and recent Node do; Bun may not). */
export function relaxedSimdAvailable(): boolean {
  return fastModule(true) !== null;
}

/** Which multiply-add the fast kernel uses: `"fma"` (relaxed SIMD) or `"mul+add"` (plain SIMD). */
export type FastMultiplyAdd = "fma" | "mul+add";

/** The multiply-add {@link FastMatmul} uses by default here: `"fma"` where relaxed SIMD exists. */
export function defaultMultiplyAdd(): FastMultiplyAdd {
  return relaxedSimdAvailable() ? "fma" : "mul+add";
}

// ---- the host side ----------------------------------------------------------------------------

type Panel = (xp: number, wp: number, out: number, K4: number, ldo: number, G: number) => void;

/** Row groups per L2 block: R·K4·4 bytes each, at most ~256 KiB of x per block. */
const blockGroups = (K4: number) => Math.max(1, Math.floor((256 * 1024) / (16 * FAST_ROWS * K4)));

/**
 * One thread's instance of the fast kernel: `load` the rows of x once, then compute any ranges of
 * columns of `x · wᵀ` with {@link FastMatmul.columns}. Every output element gets the same
 * arithmetic whichever range or instance computes it.
 *
 * @example
 * ```ts
 * const mm = new FastMatmul("mul+add");
 * const out = new Float32Array(2);
 * mm.load(new Float32Array([1, 2]), 1, 2);
 * mm.columns(out, new Float32Array([1, 0, 0, 1]), 2, 0, 2); // out = [1, 2]
 * ```
 */
export class FastMatmul {
  readonly #memory: WebAssembly.Memory;
  readonly #panel: Panel;
  readonly #panel1: Panel;
  #f32: Float32Array = new Float32Array(0);
  #bias: Float32Array | undefined;
  #T = 0;
  #K = 0;
  #K4 = 0;
  #wrAt = 0; // [C·panels][K4] f32 rows of w, zero-padded (bytes)
  #outAt = 0; // [T][width] f32 sums of one columns() call

  constructor(multiplyAdd: FastMultiplyAdd = defaultMultiplyAdd()) {
    const module = fastModule(multiplyAdd === "fma");
    if (!module) {
      throw new Error(
        multiplyAdd === "fma"
          ? 'This runtime has no relaxed SIMD; use FastMatmul("mul+add")'
          : "This runtime has no WebAssembly SIMD; the fast precision needs it (use --precision exact)",
      );
    }
    const { exports } = new WebAssembly.Instance(module, {});
    this.#memory = exports.memory as WebAssembly.Memory;
    this.#panel = exports.panel as Panel;
    this.#panel1 = exports.panel1 as Panel;
  }

  /** Packs x [T, K] into row groups at the start of the kernel's memory; keeps `bias` [N] for the copy out. */
  load(x: Float32Array, T: number, K: number, bias?: Float32Array): void {
    const K4 = Math.ceil(K / 4) * 4, R = FAST_ROWS;
    this.#T = T, this.#K = K, this.#K4 = K4, this.#bias = bias;
    this.#wrAt = align(4 * T * K4);
    this.#reserve(this.#wrAt);
    const f32 = this.#f32;
    f32.fill(0, 0, T * K4); // the padding of K
    const full = T - (T % R);
    // xp[g][kb][r][4] = x[R·g + r, 4·kb ..]; leftover rows t ≥ full are plain rows of K4 floats
    for (let t = 0; t < T; t++) {
      const g = Math.floor(t / R), r = t % R, src = t * K;
      if (t < full) {
        let p = g * R * K4 + 4 * r;
        for (let k = 0; k < K; k += 4, p += 4 * R) {
          for (let l = 0; l < 4 && k + l < K; l++) f32[p + l] = x[src + k + l];
        }
      } else f32.set(x.subarray(src, src + K), t * K4);
    }
  }

  /**
   * Columns `n0 ≤ n < n1` of `out = x · wᵀ + bias` for the loaded x and w [N, K] (PyTorch
   * `nn.Linear` layout, as stored); `out` is [T, N] and only those columns are written.
   */
  columns(out: Float32Array, w: Float32Array, N: number, n0: number, n1: number): void {
    const T = this.#T, K = this.#K, K4 = this.#K4, R = FAST_ROWS, C = FAST_COLS;
    if (n1 <= n0 || T === 0) return;
    if (w.length < N * K) {
      throw new RangeError(`FastMatmul.columns: w has ${w.length} values, fewer than N·K = ${N}·${K}`);
    }
    const p0 = Math.floor(n0 / C), panels = Math.ceil(n1 / C) - p0, width = panels * C;
    this.#outAt = align(this.#wrAt + 4 * width * K4);
    this.#reserve(this.#outAt + 4 * T * width);
    const f32 = this.#f32;
    // rows C·p0 .. of w into wr [width][K4]; the padding of K, and a row past N, are zeros
    const wr = this.#wrAt >> 2, r0 = p0 * C, rows = Math.min(N, r0 + width) - r0;
    if (K4 === K) f32.set(w.subarray(r0 * K, (r0 + rows) * K), wr); // a plain copy
    else {
      for (let j = 0; j < rows; j++) {
        f32.set(w.subarray((r0 + j) * K, (r0 + j + 1) * K), wr + j * K4);
        f32.fill(0, wr + j * K4 + K, wr + (j + 1) * K4);
      }
    }
    f32.fill(0, wr + rows * K4, wr + width * K4);
    const groups = Math.floor(T / R), ldo = 4 * width, step = blockGroups(K4);
    for (let g0 = 0; g0 < groups; g0 += step) {
      const G = Math.min(step, groups - g0);
      for (let p = 0; p < panels; p++) {
        const at = this.#outAt + g0 * R * ldo + 4 * C * p;
        this.#panel(4 * g0 * R * K4, this.#wrAt + 4 * p * C * K4, at, K4, ldo, G);
      }
    }
    for (let t = groups * R; t < T; t++) {
      for (let p = 0; p < panels; p++) {
        this.#panel1(4 * t * K4, this.#wrAt + 4 * p * C * K4, this.#outAt + t * ldo + 4 * C * p, K4, ldo, 1);
      }
    }
    // out[t, n] = sum + bias[n], rounded to float32
    const o = (this.#outAt >> 2) + n0 - p0 * C, bias = this.#bias, cols = n1 - n0;
    for (let t = 0; t < T; t++) {
      const row = f32.subarray(o + t * width, o + t * width + cols);
      if (!bias) out.set(row, t * N + n0);
      else for (let j = 0; j < cols; j++) out[t * N + n0 + j] = row[j] + bias[n0 + j];
    }
  }

  #reserve(bytes: number): void {
    const have = this.#memory.buffer.byteLength;
    if (have < bytes) this.#memory.grow(Math.ceil((bytes - have) / 65536));
    if (this.#f32.buffer !== this.#memory.buffer) this.#f32 = new Float32Array(this.#memory.buffer);
  }
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

const mainInstances = new Map<FastMultiplyAdd, FastMatmul>();

/**
 * `out[t, n] = Σ_k x[t, k] · w[n, k] + bias[n]` in float32, in the fixed order of the module
 * comment. Throws where WebAssembly SIMD (or, for `"fma"`, relaxed SIMD) is missing.
 *
 * @param out  [T, N] result
 * @param x    [T, K] input rows
 * @param w    [N, K] weight, PyTorch `nn.Linear` layout
 * @param bias [N] optional bias
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * matmulFast(out, new Float32Array([1, 2]), new Float32Array([1, 0, 0, 1]), 1, 2, 2); // out = [1, 2]
 * ```
 */
export function matmulFast(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  T: number,
  K: number,
  N: number,
  bias?: Float32Array,
  multiplyAdd: FastMultiplyAdd = defaultMultiplyAdd(),
): void {
  let mm = mainInstances.get(multiplyAdd);
  if (!mm) mainInstances.set(multiplyAdd, mm = new FastMatmul(multiplyAdd));
  mm.load(x, T, K, bias);
  mm.columns(out, w, N, 0, N);
}

/**
 * Reference for {@link matmulFast} with `"mul+add"`, in plain TypeScript: the same float32
 * partial sums in the same order, so the same bits.
 */
export function matmulFastNaive(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  T: number,
  K: number,
  N: number,
  bias?: Float32Array,
): void {
  const f = Math.fround, s = new Float32Array(4);
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      s.fill(0);
      for (let k = 0; k < K; k++) s[k & 3] = f(s[k & 3] + f(x[t * K + k] * w[n * K + k]));
      const sum = f(f(s[0] + s[1]) + f(s[2] + s[3]));
      out[t * N + n] = bias ? sum + bias[n] : sum;
    }
  }
}
