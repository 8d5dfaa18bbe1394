/**
 * The Cholesky factor and the triangular inverse of kernels/cpu/gptq_linalg.ts with WebAssembly
 * SIMD, in place, on a matrix that lives in WebAssembly memory ({@link squareMatrix}). Each f64x2
 * lane is one output entry, summed in the order of the JavaScript loop with a separate multiply
 * and subtract (or add), so the bits are those of `cholesky(a, n, a)` and `invertLower(a, n, a)`
 * (kernels/cpu/gptq_linalg_wasm_test.ts compares them).
 *
 * Three functions, spelled out below instruction by instruction. In WAT (addresses in bytes):
 *
 * ```wat
 * ;; rows i..i+7 of L, columns j < i (cholesky's eight-row step); scr[k] = L[i..i+7][k] for k < j
 * (func $chol8 (param $l $n $i $scr i32)
 *   (loop $j
 *     s[q] := (a[i+2q][j], a[i+2q+1][j]), q = 0..3
 *     (loop $k (k < j)  v := splat L[j][k];  s[q] −= scr[k][2q..2q+1] · v)   ;; f64x2.mul, f64x2.sub
 *     s[q] /= splat L[j][j];  scr[j] := s;  L[i..i+7][j] := the lanes of s
 *   ))
 * ;; rows i..i+3 of M⁻¹'s sums over k < i, sharing each load of X[k]: acc[r][j] += M[i+r][k] · X[k][j], j ≤ k
 * (func $invRows4 (param $x $n $i $acc i32)
 *   (loop $k  m[r] := splat M[i+r][k];  acc[r][j..j+1] += m[r] · X[k][j..j+1] for pairs j < k;  j = k alone))
 * ;; one row of those sums (the last n mod 4 rows)
 * (func $invRow (param $x $n $i $acc i32) ...)
 * ```
 *
 * Memory: the matrix is the module's memory (n²·8 bytes) followed by 8(n + 1) float64 of work space,
 * so a K-input linear still needs one K×K matrix. wasm32 memory ends at 4 GiB (K up to about
 * 23,000); beyond that, or without WebAssembly SIMD, {@link squareMatrix} returns a plain array and
 * the JavaScript loops run.
 *
 * @module
 */
import {
  BR_IF_0,
  END,
  F64X2_ADD,
  F64X2_DIV,
  F64X2_MUL,
  F64X2_SUB,
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
  V128_LOAD64_SPLAT,
  V128_STORE,
  vec,
} from "./_wasm.ts";

const BLOCK = [0x02, 0x40], I32_EQZ = [0x45], I32_AND = [0x71];
const F64_LOAD = (offset = 0) => [0x2b, 3, ...uleb(offset)], F64_STORE = (offset = 0) => [0x39, 3, ...uleb(offset)];
const F64_ADD = [0xa0], F64_MUL = [0xa2];
const F64X2_SPLAT = simd(0x14), F64X2_REPLACE_LANE_1 = simd(0x22, 1);
const F64X2_EXTRACT_LANE = (lane: number) => simd(0x21, lane);

const P0 = 0, NN = 1, II = 2, WORK = 3; // params: matrix, n, i, work space (scr or acc)
const STRIDE = 4, RI = 5, J = 6, RJ = 7, KP = 8, KEND = 9, SP = 10, T = 11; // i32 locals
const V = 14; // v128 local of invRow

/** Rows i..i+7 of L, columns j < i (see the module comment); scr[k] = L[i..i+7][k] at work + k·64. */
function chol8Body(): number[] {
  const c: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => c.push(...p));
  const S = 12, V8 = 16; // v128 locals: s[0..3] (rows 2q, 2q+1), the splat
  emit(get(NN), i32(8), I32_MUL, set(STRIDE));
  emit(get(P0), get(II), get(STRIDE), I32_MUL, I32_ADD, set(RI)); // ri = &L[i][0]
  emit(i32(0), set(J), LOOP); // $j
  emit(get(P0), get(J), get(STRIDE), I32_MUL, I32_ADD, set(RJ)); // rj = &L[j][0]
  emit(get(RI), get(J), i32(8), I32_MUL, I32_ADD, set(T)); // t = &a[i][j], then down the column
  for (let q = 0; q < 4; q++) {
    emit(get(T), F64_LOAD(), F64X2_SPLAT, get(T), get(STRIDE), I32_ADD, F64_LOAD(), F64X2_REPLACE_LANE_1, set(S + q));
    emit(get(T), get(STRIDE), i32(2), I32_MUL, I32_ADD, set(T));
  }
  emit(BLOCK, get(J), I32_EQZ, BR_IF_0); // k < j: none when j = 0
  emit(get(RJ), tee(KP), get(J), i32(8), I32_MUL, I32_ADD, set(KEND), get(WORK), set(SP));
  emit(LOOP); // $k
  emit(get(KP), V128_LOAD64_SPLAT, set(V8));
  for (let q = 0; q < 4; q++) emit(get(S + q), get(SP), V128_LOAD(16 * q), get(V8), F64X2_MUL, F64X2_SUB, set(S + q));
  emit(get(SP), i32(64), I32_ADD, set(SP));
  emit(get(KP), i32(8), I32_ADD, tee(KP), get(KEND), I32_LT_U, BR_IF_0, END, END);
  emit(get(RJ), get(J), i32(8), I32_MUL, I32_ADD, V128_LOAD64_SPLAT, set(V8)); // splat L[j][j]
  for (let q = 0; q < 4; q++) emit(get(S + q), get(V8), F64X2_DIV, set(S + q));
  emit(get(WORK), get(J), i32(64), I32_MUL, I32_ADD, set(SP));
  for (let q = 0; q < 4; q++) emit(get(SP), get(S + q), V128_STORE(16 * q));
  emit(get(RI), get(J), i32(8), I32_MUL, I32_ADD, set(T));
  for (let r = 0; r < 8; r++) {
    emit(get(T), get(S + (r >> 1)), F64X2_EXTRACT_LANE(r & 1), F64_STORE());
    if (r < 7) emit(get(T), get(STRIDE), I32_ADD, set(T));
  }
  emit(get(J), i32(1), I32_ADD, tee(J), get(II), I32_LT_U, BR_IF_0, END);
  emit(END);
  return c;
}

/** One row i of the inverse's sums: acc[j] += M[i][k] · X[k][j] for k < i, j ≤ k (acc at work, in order). */
function invRowBody(): number[] {
  const c: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => c.push(...p));
  emit(get(NN), i32(8), I32_MUL, set(STRIDE));
  emit(get(P0), get(II), get(STRIDE), I32_MUL, I32_ADD, set(RI)); // ri = &M[i][0]
  emit(i32(0), set(J), LOOP); // $k (J holds k)
  emit(get(RI), get(J), i32(8), I32_MUL, I32_ADD, V128_LOAD64_SPLAT, set(V)); // splat M[i][k]
  emit(get(P0), get(J), get(STRIDE), I32_MUL, I32_ADD, set(RJ)); // rk = &X[k][0]
  // pairs of columns j < (k + 1) & ~1: KP runs over byte offsets 0, 16, ...
  emit(get(J), i32(1), I32_ADD, i32(-2), I32_AND, i32(8), I32_MUL, set(KEND), i32(0), set(KP));
  emit(BLOCK, get(KEND), I32_EQZ, BR_IF_0, LOOP);
  emit(get(WORK), get(KP), I32_ADD, tee(T), get(T), V128_LOAD(0), get(V), get(RJ), get(KP), I32_ADD, V128_LOAD(0));
  emit(F64X2_MUL, F64X2_ADD, V128_STORE(0));
  emit(get(KP), i32(16), I32_ADD, tee(KP), get(KEND), I32_LT_U, BR_IF_0, END, END);
  // the last column j = k alone when k + 1 is odd (X[k][k + 1] is above the diagonal: not read)
  emit(BLOCK, get(J), i32(1), I32_AND, BR_IF_0); // k odd: k + 1 even, no odd column
  emit(get(WORK), get(J), i32(8), I32_MUL, I32_ADD, tee(T), get(T), F64_LOAD(), get(V), F64X2_EXTRACT_LANE(0));
  emit(get(RJ), get(J), i32(8), I32_MUL, I32_ADD, F64_LOAD(), F64_MUL, F64_ADD, F64_STORE(), END);
  emit(get(J), i32(1), I32_ADD, tee(J), get(II), I32_LT_U, BR_IF_0, END);
  emit(END);
  return c;
}

const M0 = 15, XV = 19; // v128 locals of invRows4: m[0..3], x pair

/**
 * Rows i..i+3 of the inverse's sums over k < i (shared loads of X[k]): accs[r][j] += M[i+r][k] · X[k][j]
 * for j ≤ k, the four rows' pairs interleaved (pair p of row r at work + p·64 + r·16).
 */
function invRows4Body(): number[] {
  const c: number[] = [];
  const emit = (...parts: number[][]) => parts.forEach((p) => c.push(...p));
  emit(get(NN), i32(8), I32_MUL, set(STRIDE));
  emit(get(P0), get(II), get(STRIDE), I32_MUL, I32_ADD, set(RI)); // ri = &M[i][0]
  emit(i32(0), set(J), LOOP); // $k (J holds k)
  emit(get(RI), get(J), i32(8), I32_MUL, I32_ADD, set(T));
  for (let r = 0; r < 4; r++) {
    emit(get(T), V128_LOAD64_SPLAT, set(M0 + r)); // splat M[i+r][k]
    if (r < 3) emit(get(T), get(STRIDE), I32_ADD, set(T));
  }
  emit(get(P0), get(J), get(STRIDE), I32_MUL, I32_ADD, set(RJ)); // rk = &X[k][0]
  emit(get(J), i32(1), I32_ADD, i32(-2), I32_AND, i32(8), I32_MUL, set(KEND), i32(0), set(KP));
  emit(BLOCK, get(KEND), I32_EQZ, BR_IF_0, LOOP); // pairs j < (k + 1) & ~1
  emit(get(RJ), get(KP), I32_ADD, V128_LOAD(0), set(XV));
  emit(get(WORK), get(KP), i32(4), I32_MUL, I32_ADD, set(T));
  for (let r = 0; r < 4; r++) {
    emit(get(T), get(T), V128_LOAD(16 * r), get(M0 + r), get(XV), F64X2_MUL, F64X2_ADD, V128_STORE(16 * r));
  }
  emit(get(KP), i32(16), I32_ADD, tee(KP), get(KEND), I32_LT_U, BR_IF_0, END, END);
  emit(BLOCK, get(J), i32(1), I32_AND, BR_IF_0); // k even: the last column j = k alone
  emit(get(RJ), get(J), i32(8), I32_MUL, I32_ADD, V128_LOAD64_SPLAT, set(XV));
  emit(get(WORK), get(J), i32(32), I32_MUL, I32_ADD, set(T));
  for (let r = 0; r < 4; r++) {
    emit(get(T), get(T), F64_LOAD(16 * r), get(M0 + r), get(XV), F64X2_MUL, F64X2_EXTRACT_LANE(0), F64_ADD);
    emit(F64_STORE(16 * r));
  }
  emit(END);
  emit(get(J), i32(1), I32_ADD, tee(J), get(II), I32_LT_U, BR_IF_0, END);
  emit(END);
  return c;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null when this runtime has no WebAssembly SIMD. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const locals = [[...uleb(8), I32], [...uleb(8), V128]];
    const bytes = moduleBytes(4, [
      { name: "chol8", body: [...vec(locals), ...chol8Body()] },
      { name: "invRow", body: [...vec(locals), ...invRowBody()] },
      { name: "invRows4", body: [...vec(locals), ...invRows4Body()] },
    ]);
    compiled = typeof WebAssembly === "object" && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

type Kernel = (matrix: number, n: number, i: number, work: number) => void;
interface Resident {
  n: number;
  chol8: Kernel;
  invRow: Kernel;
  invRows4: Kernel;
  /** Byte address of the work space after the matrix: 8(n + 1) float64, used by one kernel at a time. */
  work: number;
  /** The work space as float64. */
  f64: Float64Array;
}
const resident = new WeakMap<ArrayBufferLike, Resident>();

/**
 * A zeroed n×n float64 matrix: in its own WebAssembly memory when this runtime has WebAssembly
 * SIMD and the memory fits wasm32's 4 GiB (then {@link choleskyInPlaceWasm} and
 * {@link invertLowerInPlaceWasm} run on it), else a plain Float64Array.
 */
export function squareMatrix(n: number): Float64Array {
  const module = wasmModule(), workLength = 8 * (n + 1), bytes = (n * n + workLength) * 8;
  if (!module || bytes > 2 ** 32 - 2 ** 16) return new Float64Array(n * n);
  try {
    const { exports } = new WebAssembly.Instance(module, {});
    const memory = exports.memory as WebAssembly.Memory;
    memory.grow(Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536);
    const matrix = new Float64Array(memory.buffer, 0, n * n), work = n * n * 8;
    resident.set(memory.buffer, {
      n,
      chol8: exports.chol8 as Kernel,
      invRow: exports.invRow as Kernel,
      invRows4: exports.invRows4 as Kernel,
      work,
      f64: new Float64Array(memory.buffer, work, workLength),
    });
    return matrix;
  } catch {
    return new Float64Array(n * n); // the runtime refused the memory: the JavaScript loops serve
  }
}

/** The kernels of a matrix made by {@link squareMatrix} for this n, or null. */
function residentOf(a: Float64Array, n: number): Resident | null {
  const r = resident.get(a.buffer);
  return r && r.n === n && a.byteOffset === 0 ? r : null;
}

/**
 * `cholesky(a, n, a)` with SIMD: rows eight at a time, their entries left of the eight by chol8
 * (sharing the loads of row j), the 8×8 corners and the last n mod 8 rows by `row`, the JavaScript
 * one-row loop. Every entry is a[i,j] − Σ_{k<j} L[i,k] L[j,k] in k order whichever step computes it,
 * so the bits are those of the four-row JavaScript loop. Null when `a` is not a
 * {@link squareMatrix} of size n, else whether `a` was positive definite.
 */
export function choleskyInPlaceWasm(
  a: Float64Array,
  n: number,
  row: (i: number, from: number) => boolean,
): boolean | null {
  const r = residentOf(a, n);
  if (!r) return null;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    if (i > 0) r.chol8(0, n, i, r.work); // scr [i, 8] in the work space
    for (let q = i; q < i + 8; q++) if (!row(q, i)) return false; // the 8×8 corner
  }
  for (; i < n; i++) if (!row(i, 0)) return false;
  return true;
}

/**
 * `invertLower(a, n, a)` with SIMD sums; false when `a` is not a {@link squareMatrix} of size n.
 * Rows go four at a time: their sums over k < i share the loads of X[k] (invRows4), then each row
 * adds the terms k = i .. its own − 1 from the rows just finished (in k order, in JavaScript), so
 * every sum runs in the order of the one-row loop. The last n mod 4 rows go one at a time (invRow).
 */
export function invertLowerInPlaceWasm(a: Float64Array, n: number): boolean {
  const r = residentOf(a, n);
  if (!r) return false;
  const w = r.f64;
  const at = (q: number, j: number) => (j >> 1) * 8 + q * 2 + (j & 1); // row q's acc[j] in invRows4's layout
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    w.fill(0, 0, 4 * (i + 4));
    if (i > 0) r.invRows4(0, n, i, r.work);
    for (let q = 0; q < 4; q++) {
      const row = (i + q) * n;
      for (let k = i; k < i + q; k++) {
        const mik = a[row + k];
        for (let j = 0; j <= k; j++) w[at(q, j)] += mik * a[k * n + j];
      }
      const d = a[row + i + q];
      for (let j = 0; j < i + q; j++) a[row + j] = -w[at(q, j)] / d;
      a[row + i + q] = 1 / d;
    }
  }
  for (; i < n; i++) {
    w.fill(0, 0, i);
    r.invRow(0, n, i, r.work);
    const d = a[i * n + i];
    for (let j = 0; j < i; j++) a[i * n + j] = -w[j] / d;
    a[i * n + i] = 1 / d;
  }
  return true;
}

/** Whether `a` is a matrix from {@link squareMatrix} in WebAssembly memory (the SIMD kernels run on it). */
export function inWasmMemory(a: Float64Array): boolean {
  return resident.has(a.buffer);
}
