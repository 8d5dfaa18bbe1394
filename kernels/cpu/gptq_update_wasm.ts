/**
 * GPTQ's lazy-batch update (kernels/cpu/gptq_quantize.ts) with WebAssembly SIMD: after a block of
 * `count` columns, every later column j of every row n takes the block's errors,
 * `update[n, j] = Σ_i err[n, i] · Hinv[i1 + i, j]` (i = 0..count−1 in order, from 0), then
 * `W[n, j] −= update[n, j]`. Lane j of an f64x2 accumulator is one output element, summed in the
 * order of i with a separate multiply and add (WebAssembly has no fused multiply-add outside
 * relaxed SIMD), so the bits are those of {@link lazyUpdate}, the JavaScript twin.
 *
 * The module is one function, `update`, spelled out below instruction by instruction. In WAT:
 *
 * ```wat
 * (func $update (param $err $h $out $count $J $N i32)  ;; addresses in bytes, float64 data
 *   ;; out[n][j] = Σ_i err[n][i] · h[i][j] for n < N, j < J (J a multiple of 8), 8 columns at a time
 *   (loop $rows (loop $cols
 *     acc0..acc3 := f64x2(0, 0)                          ;; columns j..j+7
 *     (loop $i
 *       e := v128.load64_splat err[n][i]
 *       acc[r] += e · v128.load h[i][j + 2r], r = 0..3    ;; f64x2.mul, f64x2.add
 *     )
 *     v128.store out[n][j + 2r] acc[r]
 *   )))
 * ```
 *
 * @module
 */
import {
  BR_IF_0,
  END,
  F64X2_ADD,
  F64X2_MUL,
  get,
  I32,
  i32,
  I32_ADD,
  I32_LT_U,
  I32_MUL,
  LOOP,
  moduleBytes,
  set,
  tee,
  uleb,
  V128,
  V128_LOAD,
  V128_LOAD64_SPLAT,
  V128_STORE,
  V128_ZERO,
  vec,
} from "./_wasm.ts";

const ERR = 0, H = 1, OUT = 2, COUNT = 3, J = 4, N = 5; // params
const NI = 6, JJ = 7, EP = 8, EEND = 9, HP = 10; // i32
const ACC = 11, E = 15; // v128: acc[0..3], the splat error

function updateBody(): number[] {
  const c: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => c.push(...p));
  emit(i32(0), set(NI), LOOP); // $rows
  emit(i32(0), set(JJ), LOOP); // $cols
  for (let r = 0; r < 4; r++) emit(V128_ZERO, set(ACC + r));
  emit(get(ERR), get(NI), get(COUNT), I32_MUL, i32(8), I32_MUL, I32_ADD, tee(EP)); // ep = err + n·count·8
  emit(get(COUNT), i32(8), I32_MUL, I32_ADD, set(EEND));
  emit(get(H), get(JJ), i32(8), I32_MUL, I32_ADD, set(HP)); // hp = h + j·8
  emit(LOOP); // $i
  emit(get(EP), V128_LOAD64_SPLAT, set(E));
  for (let r = 0; r < 4; r++) {
    emit(get(ACC + r), get(E), get(HP), V128_LOAD(16 * r), F64X2_MUL, F64X2_ADD, set(ACC + r));
  }
  emit(get(HP), get(J), i32(8), I32_MUL, I32_ADD, set(HP));
  emit(get(EP), i32(8), I32_ADD, tee(EP), get(EEND), I32_LT_U, BR_IF_0, END);
  // out + (n·J + j)·8
  emit(get(OUT), get(NI), get(J), I32_MUL, get(JJ), I32_ADD, i32(8), I32_MUL, I32_ADD, set(HP));
  for (let r = 0; r < 4; r++) emit(get(HP), get(ACC + r), V128_STORE(16 * r));
  emit(get(JJ), i32(8), I32_ADD, tee(JJ), get(J), I32_LT_U, BR_IF_0, END);
  emit(get(NI), i32(1), I32_ADD, tee(NI), get(N), I32_LT_U, BR_IF_0, END);
  emit(END);
  return c;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null when this runtime has no WebAssembly SIMD. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = moduleBytes(6, [{
      name: "update",
      body: [...vec([[...uleb(5), I32], [...uleb(5), V128]]), ...updateBody()],
    }]);
    compiled = typeof WebAssembly === "object" && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/**
 * The lazy-batch update in JavaScript, the twin: for rows n < N of `W` [N, K] and columns
 * j0 ≤ j < K, `W[n, j] −= Σ_i err[n·stride + i] · Hinv[(i1 + i)·K + j]`, i = 0..count−1 in order.
 * Columns go in chunks of 256 so the chunk of Hinv's block rows (count × 256) stays in cache for every row n.
 */
export function lazyUpdate(
  W: Float64Array,
  err: Float64Array,
  stride: number,
  Hinv: Float64Array,
  N: number,
  K: number,
  i1: number,
  count: number,
  j0: number,
): void {
  const update = new Float64Array(256);
  for (let c0 = j0; c0 < K; c0 += 256) {
    const width = Math.min(256, K - c0);
    for (let n = 0; n < N; n++) {
      update.fill(0);
      for (let i = 0; i < count; i++) {
        const e = err[n * stride + i], row = (i1 + i) * K + c0;
        for (let j = 0; j < width; j++) update[j] += e * Hinv[row + j];
      }
      for (let j = 0; j < width; j++) W[n * K + c0 + j] -= update[j];
    }
  }
}

type Update = (err: number, h: number, out: number, count: number, J: number, N: number) => void;
let instance: { memory: WebAssembly.Memory; update: Update } | null = null;

/**
 * {@link lazyUpdate} with WebAssembly SIMD, the same bits; null when this runtime has none (then
 * call {@link lazyUpdate}). Its memory holds the block's errors [N, count], one chunk of Hinv's
 * block rows [count, 256] and the chunk's updates [N, 256] (for N = 4096, count = 128: 13 MB).
 */
export function lazyUpdateWasm(): typeof lazyUpdate | null {
  const module = wasmModule();
  if (!module) return null;
  return (W, err, stride, Hinv, N, K, i1, count, j0) => {
    if (N === 0 || count === 0) return;
    if (!instance) {
      const { exports } = new WebAssembly.Instance(module, {});
      instance = { memory: exports.memory as WebAssembly.Memory, update: exports.update as Update };
    }
    const { memory, update } = instance;
    const errAt = 0, hAt = 8 * N * count, outAt = hAt + 8 * count * 256, end = outAt + 8 * N * 256;
    if (memory.buffer.byteLength < end) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    const f64 = new Float64Array(memory.buffer);
    for (let n = 0; n < N; n++) f64.set(err.subarray(n * stride, n * stride + count), n * count);
    for (let c0 = j0; c0 < K; c0 += 256) {
      const width = Math.min(256, K - c0), J = Math.ceil(width / 8) * 8; // columns past width are zeros, unused
      for (let i = 0; i < count; i++) {
        const h = (hAt >> 3) + i * J;
        f64.set(Hinv.subarray((i1 + i) * K + c0, (i1 + i) * K + c0 + width), h);
        f64.fill(0, h + width, h + J);
      }
      update(errAt, hAt, outAt, count, J, N);
      for (let n = 0; n < N; n++) {
        const o = (outAt >> 3) + n * J, w = n * K + c0;
        for (let j = 0; j < width; j++) W[w + j] -= f64[o + j];
      }
    }
  };
}
