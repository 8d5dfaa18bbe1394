/**
 * {@link matmul} with WebAssembly SIMD: the same float64 sums in the same order, so the same bits
 * as {@link matmulNaive}, about 3× faster than the JavaScript kernel (docs/performance.md).
 *
 * Why: JavaScript has only scalar float64 arithmetic, and the best JIT-compiled 4×4 tile stops at
 * about 5 GFLOP/s per core on our 2-core test machine. WebAssembly's 128-bit SIMD (in Deno, Node
 * and Bun alike) does two float64 multiply-adds per instruction with no bounds checks in the inner
 * loop. We keep float64 accumulation (`f64x2`, not `f32x4`) so that nothing changes numerically:
 * lane `j` of an accumulator is one output element, summed over `k = 0..K-1` in order, plus the
 * bias, rounded to float32 once, exactly as in {@link matmulNaive}. (WebAssembly has no fused
 * multiply-add outside the relaxed-SIMD proposal, so `mul` then `add` round as JavaScript does.)
 *
 * The module is one function, `tile`, generated below by a few lines of TypeScript that spell out
 * each instruction (no binary blob). In WAT it is:
 *
 * ```wat
 * (func $tile (param $xp $wp $out $bias $K $N $G i32)  ;; addresses in bytes; $N floats per out row
 *   ;; for each group g of 4 rows of x: out[4g+r, j] = Σ_k xp[g][k][r] · wp[k][j] + bias[j], j < 4
 *   (loop $groups
 *     acc0..acc7 := f64x2(0, 0)                        ;; acc[2r], acc[2r+1] = row r, columns 0-1, 2-3
 *     (loop $k
 *       b0 := v128.load wp[k][0..1]   b1 := v128.load wp[k][2..3]        ;; two f64 of w per load
 *       for r in 0..3: a := v128.load64_splat xp[g][k][r]                 ;; x[4g+r, k] twice
 *                      acc[2r] += a · b0   acc[2r+1] += a · b1            ;; f64x2.mul, f64x2.add
 *     )
 *     for r, j: f32.store out[(4g+r)·N + j] (f32.demote_f64 (lane j of acc + f64(bias[j])))
 *   ))
 * ```
 *
 * The host side ({@link WasmMatmul}) lays x out as float64 in groups of 4 rows interleaved by k
 * (`xp[g][k][r]`, once per call), copies 4 rows of w at a time the same way (`wp[k][j]`, a 4·K·8
 * byte panel that stays in L1 or L2), calls `tile` for all row groups, and computes leftover rows
 * (T mod 4) and columns (N mod 4) with the JavaScript loops of {@link matmulColumns}.
 *
 * @module
 */
import { matmulBlock } from "./matmul.ts";
import {
  BR_IF_0,
  END,
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
  V128_ZERO,
  vec,
} from "./_wasm.ts";

// ---- the WebAssembly module, instruction by instruction ---------------------------------------

// instructions beyond the shared ones in ./_wasm.ts
const V128_LOAD = (offset: number) => simd(0x00, 3, ...uleb(offset)); // align 2^3
const V128_LOAD64_SPLAT = (offset: number) => simd(0x0a, 3, ...uleb(offset));
const F64X2_EXTRACT_LANE = (lane: number) => simd(0x21, lane);
const F64X2_ADD = simd(240), F64X2_MUL = simd(242);
const F32_LOAD = (offset: number) => [0x2a, 2, ...uleb(offset)];
const F32_STORE = (offset: number) => [0x38, 2, ...uleb(offset)];
const F64_PROMOTE_F32 = [0xbb], F32_DEMOTE_F64 = [0xb6], F64_ADD = [0xa0];

// locals: params, then i32 scratch, then v128 registers
const XP = 0, WP = 1, OUT = 2, BIAS = 3, K = 4, N = 5, G = 6; // params (i32, bytes / counts)
const G_I = 7, XQ = 8, WQ = 9, XEND = 10, ROW = 11; // i32
const ACC = 12, B0 = 20, B1 = 21, A = 22; // v128: acc[0..7], two w pairs, one x splat

function tileBody(): number[] {
  const c: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => c.push(...p));
  emit(i32(0), set(G_I));
  emit(LOOP); // $groups
  for (let i = 0; i < 8; i++) emit(V128_ZERO, set(ACC + i));
  emit(get(WP), set(WQ));
  emit(get(XP), get(G_I), get(K), I32_MUL, i32(32), I32_MUL, I32_ADD, set(XQ)); // xq = xp + g·K·32
  emit(get(XQ), get(K), i32(32), I32_MUL, I32_ADD, set(XEND));
  emit(LOOP); // $k
  emit(get(WQ), V128_LOAD(0), set(B0), get(WQ), V128_LOAD(16), set(B1));
  for (let r = 0; r < 4; r++) {
    emit(get(XQ), V128_LOAD64_SPLAT(8 * r), set(A));
    emit(get(ACC + 2 * r), get(A), get(B0), F64X2_MUL, F64X2_ADD, set(ACC + 2 * r));
    emit(get(ACC + 2 * r + 1), get(A), get(B1), F64X2_MUL, F64X2_ADD, set(ACC + 2 * r + 1));
  }
  emit(get(WQ), i32(32), I32_ADD, set(WQ));
  emit(get(XQ), i32(32), I32_ADD, tee(XQ), get(XEND), I32_LT_U, BR_IF_0);
  emit(END);
  for (let r = 0; r < 4; r++) {
    // row = out + ((4g + r)·N)·4
    emit(get(OUT), get(G_I), i32(4), I32_MUL, i32(r), I32_ADD, get(N), I32_MUL, i32(4), I32_MUL, I32_ADD, set(ROW));
    for (let j = 0; j < 4; j++) {
      emit(get(ROW), get(ACC + 2 * r + (j >> 1)), F64X2_EXTRACT_LANE(j & 1));
      emit(get(BIAS), F32_LOAD(4 * j), F64_PROMOTE_F32, F64_ADD, F32_DEMOTE_F64, F32_STORE(4 * j));
    }
  }
  emit(get(G_I), i32(1), I32_ADD, tee(G_I), get(G), I32_LT_U, BR_IF_0);
  emit(END);
  emit(END);
  return c;
}

function wasmBytes(): Uint8Array<ArrayBuffer> {
  // locals: 5 × i32 (G_I, XQ, WQ, XEND, ROW), 11 × v128 (ACC ×8, B0, B1, A), then the instructions
  return moduleBytes(7, [{ name: "tile", body: [...vec([[...uleb(5), I32], [...uleb(11), V128]]), ...tileBody()] }]);
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null when this runtime has no WebAssembly SIMD. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = wasmBytes();
    compiled = typeof WebAssembly === "object" && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/** Whether this runtime runs WebAssembly SIMD (Deno, Node ≥ 16 and Bun all do). */
export function wasmSimdAvailable(): boolean {
  return wasmModule() !== null;
}

// ---- the host side ----------------------------------------------------------------------------

type Tile = (xp: number, wp: number, out: number, bias: number, K: number, N: number, G: number) => void;

/**
 * One thread's instance of the kernel: `load` the rows of x once, then compute any ranges of
 * columns against weights `w`. The CPU backend keeps one per thread and shares columns out.
 *
 * @example
 * ```ts
 * const mm = new WasmMatmul();
 * const out = new Float32Array(2);
 * mm.load(new Float32Array([1, 2]), 1, 2);
 * mm.columns(out, new Float32Array([1, 0, 0, 1]), 2, 0, 2); // out = [1, 2]
 * ```
 */
export class WasmMatmul {
  readonly #memory: WebAssembly.Memory;
  readonly #tile: Tile;
  #f32: Float32Array = new Float32Array(0); // views of the memory, renewed when it grows
  #f64: Float64Array = new Float64Array(0);
  // the loaded rows: x itself (for the leftover rows), its shape, and where things are (bytes)
  #x: Float32Array = new Float32Array(0);
  #bias: Float32Array | undefined;
  #T = 0;
  #K = 0;
  #biasAt = 0; // [N] f32 bias, or zeros
  #wpAt = 0; // [K][4] f64 panel of w
  #outAt = 0; // [4·groups][n1-n0] f32 results of one call of columns()
  #xpAt = 0; // [groups][K][4] f64 rows of x

  constructor() {
    const module = wasmModule();
    if (!module) throw new Error("This runtime has no WebAssembly SIMD; use matmul() instead");
    const { exports } = new WebAssembly.Instance(module, {});
    this.#memory = exports.memory as WebAssembly.Memory;
    this.#tile = exports.tile as Tile;
  }

  /** Copies x [T, K] (and bias [N], if any) into the kernel's memory, as float64 groups of 4 rows. */
  load(x: Float32Array, T: number, K: number, bias?: Float32Array, N = bias?.length ?? 0): void {
    this.#x = x, this.#T = T, this.#K = K, this.#bias = bias;
    const groups = T >> 2;
    this.#biasAt = 0;
    this.#wpAt = align(4 * Math.max(N, 4));
    this.#xpAt = this.#wpAt + 32 * K;
    this.#outAt = align(this.#xpAt + 32 * K * groups);
    this.#reserve(this.#outAt);
    const f32 = this.#f32, f64 = this.#f64;
    if (bias) f32.set(bias.subarray(0, N), 0);
    else f32.fill(0, 0, 4);
    // xp[g][k][r] = x[4g + r, k]
    let p = this.#xpAt >> 3;
    for (let g = 0; g < groups; g++) {
      const r0 = 4 * g * K, r1 = r0 + K, r2 = r1 + K, r3 = r2 + K;
      for (let k = 0; k < K; k++, p += 4) {
        f64[p] = x[r0 + k], f64[p + 1] = x[r1 + k], f64[p + 2] = x[r2 + k], f64[p + 3] = x[r3 + k];
      }
    }
  }

  /**
   * Columns `n0 ≤ n < n1` of `out = x · wᵀ + bias` for the loaded x: the same bits as
   * {@link matmulColumns}. `w` is [N, K]; `out` is [T, N].
   */
  columns(out: Float32Array, w: Float32Array, N: number, n0: number, n1: number): void {
    const T = this.#T, K = this.#K, groups = T >> 2;
    const cols = n1 - n0, full = n0 + (cols & ~3);
    if (groups > 0 && full > n0) {
      const outAt = this.#outAt, width = full - n0;
      this.#reserve(outAt + 4 * (4 * groups) * width);
      const f32 = this.#f32, f64 = this.#f64, wp = this.#wpAt >> 3;
      for (let n = n0; n < full; n += 4) {
        // wp[k][j] = w[n + j, k]
        const w0 = n * K, w1 = w0 + K, w2 = w1 + K, w3 = w2 + K;
        for (let k = 0, p = wp; k < K; k++, p += 4) {
          f64[p] = w[w0 + k], f64[p + 1] = w[w1 + k], f64[p + 2] = w[w2 + k], f64[p + 3] = w[w3 + k];
        }
        const biasAt = this.#bias ? this.#biasAt + 4 * n : this.#biasAt;
        this.#tile(this.#xpAt, this.#wpAt, outAt + 4 * (n - n0), biasAt, K, width, groups);
      }
      // results [4·groups, width] → out[:, n0..full)
      const o = outAt >> 2;
      for (let t = 0; t < 4 * groups; t++) out.set(f32.subarray(o + t * width, o + (t + 1) * width), t * N + n0);
    }
    // leftovers: the last T mod 4 rows, and the last cols mod 4 columns, in JavaScript
    if (full < n1) matmulBlock(out, this.#x, w, T, K, N, 0, 4 * groups, full, n1, this.#bias);
    if (4 * groups < T) matmulBlock(out, this.#x, w, T, K, N, 4 * groups, T, n0, n1, this.#bias);
  }

  #reserve(bytes: number): void {
    const have = this.#memory.buffer.byteLength;
    if (have < bytes) this.#memory.grow(Math.ceil((bytes - have) / 65536));
    if (this.#f32.buffer !== this.#memory.buffer) {
      this.#f32 = new Float32Array(this.#memory.buffer);
      this.#f64 = new Float64Array(this.#memory.buffer);
    }
  }
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

let mainInstance: WasmMatmul | null = null;

/**
 * `out[t, n] = Σ_k x[t, k] · w[n, k] + bias[n]` with WebAssembly SIMD, bit-identical to
 * {@link matmulNaive} (and {@link matmul}). Throws where WebAssembly SIMD is missing
 * ({@link wasmSimdAvailable}).
 *
 * @param out  [T, N] result
 * @param x    [T, K] input rows
 * @param w    [N, K] weight, PyTorch `nn.Linear` layout
 * @param bias [N] optional bias
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * matmulWasm(out, new Float32Array([1, 2]), new Float32Array([1, 0, 0, 1]), 1, 2, 2); // out = [1, 2]
 * ```
 */
export function matmulWasm(
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  T: number,
  K: number,
  N: number,
  bias?: Float32Array,
): void {
  mainInstance ??= new WasmMatmul();
  mainInstance.load(x, T, K, bias, N);
  mainInstance.columns(out, w, N, 0, N);
}
