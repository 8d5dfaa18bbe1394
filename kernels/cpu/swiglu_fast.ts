/**
 * The `fast` precision's SwiGLU: `out[i] = silu(gate[i]) · up[i]` in float32 WebAssembly SIMD,
 * four lanes at a time, with `exp` computed as a power of two (JavaScript has no float32
 * arithmetic, and WebAssembly has no `exp`). Not the same bits as {@link swiglu} (float64 with
 * `Math.exp`): within a few float32 roundings of it (the test states the bound).
 *
 * ```
 * y = clamp(−g · log2(e), −126, 126)        exp(−g) = 2^y
 * n = nearest(y),  f = y − n ∈ [−½, ½]      2^y = 2^n · e^(f·ln 2)
 * e^t ≈ Σ_{k ≤ 7} t^k / k!   (Horner)        |error| ≤ (ln2/2)^8 / 8! ≈ 5e-9, below float32's 6e-8
 * 2^n = the float32 with exponent bits n + 127
 * out = g / (1 + 2^n · e^t) · up
 * ```
 *
 * The clamp keeps 2^n a normal float32: below g ≈ −87 the result is g / 2^126 instead of
 * g·e^g (both under 1e-35 in size), above g ≈ 87 it is g. Every step is a plain
 * `f32x4.mul`/`add` (no fused multiply-add), so the bits are the same on every runtime.
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
  LOOP,
  moduleBytes,
  set,
  simd,
  tee,
  uleb,
  V128,
  V128_LOAD,
  V128_STORE,
  vec,
} from "./_wasm.ts";

const F32X4_NEAREST = simd(0x6a), I32X4_TRUNC_SAT_F32X4_S = simd(0xf8);
const I32X4_SHL = simd(0xab), I32X4_ADD = simd(0xae);
const F32X4_SUB = simd(0xe5), F32X4_DIV = simd(0xe7);
const F32X4_MIN = simd(0xe8), F32X4_MAX = simd(0xe9);

/** `v128.const` of four copies of float32 `v`. */
const f32x4 = (v: number) => simd(0x0c, ...new Uint8Array(new Float32Array([v, v, v, v]).buffer));
/** `v128.const` of four copies of int32 `v`. */
const i32x4 = (v: number) => simd(0x0c, ...new Uint8Array(new Int32Array([v, v, v, v]).buffer));

// swiglu(g, u, o, end): byte offsets of gate, up and out, and of the end of gate
const G = 0, U = 1, O = 2, END_AT = 3; // params
const I = 4; // i32: byte offset within each array
const X = 5, Y = 6, NF = 7, T = 8, P = 9; // v128

function swigluBody(): number[] {
  const c: number[] = [...vec([[...uleb(1), I32], [...uleb(5), V128]])];
  const emit = (...parts: number[][]) => parts.forEach((p) => c.push(...p));
  const at = (base: number) => [...get(base), ...get(I), ...I32_ADD];
  emit(i32(0), set(I));
  emit(LOOP);
  emit(at(G), V128_LOAD(), set(X));
  // y = clamp(−x·log2 e, −126, 126); n = nearest(y); t = (y − n)·ln 2
  emit(get(X), f32x4(-Math.LOG2E), F32X4_MUL, f32x4(-126), F32X4_MAX, f32x4(126), F32X4_MIN, set(Y));
  emit(get(Y), F32X4_NEAREST, set(NF));
  emit(get(Y), get(NF), F32X4_SUB, f32x4(Math.LN2), F32X4_MUL, set(T));
  // p = e^t by Horner, coefficients 1/7! .. 1/0!
  emit(f32x4(1 / 5040), set(P));
  for (const k of [720, 120, 24, 6, 2, 1, 1]) emit(get(P), get(T), F32X4_MUL, f32x4(1 / k), F32X4_ADD, set(P));
  // e = p · 2^n, 2^n from its exponent bits; out = x / (1 + e) · up
  emit(get(P), get(NF), I32X4_TRUNC_SAT_F32X4_S, i32x4(127), I32X4_ADD, i32(23), I32X4_SHL, F32X4_MUL, set(P));
  emit(at(O), get(X), f32x4(1), get(P), F32X4_ADD, F32X4_DIV, at(U), V128_LOAD(), F32X4_MUL, V128_STORE());
  emit(get(I), i32(16), I32_ADD, tee(I), get(G), I32_ADD, get(END_AT), I32_LT_U, BR_IF_0);
  emit(END);
  emit(END);
  return c;
}

type Swiglu = (g: number, u: number, o: number, end: number) => void;

let instance: { memory: WebAssembly.Memory; run: Swiglu } | null | undefined;

/** The compiled kernel, or null where the runtime has no WebAssembly SIMD. */
function kernel(): { memory: WebAssembly.Memory; run: Swiglu } | null {
  if (instance === undefined) {
    const bytes = moduleBytes(4, [{ name: "swiglu", body: swigluBody() }]);
    if (typeof WebAssembly !== "object" || !WebAssembly.validate(bytes)) instance = null;
    else {
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
      instance = { memory: exports.memory as WebAssembly.Memory, run: exports.swiglu as Swiglu };
    }
  }
  return instance;
}

/**
 * `out[i] = silu(gate[i]) · up[i]` in float32 (see the module comment). `out` may alias `gate`
 * or `up`. Throws where the runtime has no WebAssembly SIMD.
 *
 * @param out  [n] result
 * @param gate [n]
 * @param up   [n]
 *
 * @example
 * ```ts
 * const out = new Float32Array(1);
 * swigluFast(out, new Float32Array([1]), new Float32Array([2]), 1); // out ≈ [1.4621172]
 * ```
 */
export function swigluFast(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
  const k = kernel();
  if (!k) throw new Error("This runtime has no WebAssembly SIMD; the fast precision needs it (use --precision exact)");
  const n4 = Math.ceil(n / 4) * 4, bytes = 4 * n4; // gate [n4], up [n4], out [n4]; padding lanes are 0
  const have = k.memory.buffer.byteLength;
  if (have < 3 * bytes) k.memory.grow(Math.ceil((3 * bytes - have) / 65536));
  const f32 = new Float32Array(k.memory.buffer);
  f32.set(gate.subarray(0, n), 0);
  f32.fill(0, n, n4);
  f32.set(up.subarray(0, n), n4);
  f32.fill(0, n4 + n, 2 * n4);
  if (n > 0) k.run(0, bytes, 2 * bytes, bytes);
  out.set(f32.subarray(2 * n4, 2 * n4 + n));
}
