/**
 * Tensors are plain `{ data: Float32Array, shape }` records in C order; compute is float32.
 * This file also converts the storage dtypes of safetensors files to and from float32.
 *
 * Dimension legend used across the code: T tokens, D hidden size, H query heads,
 * Hkv key/value heads, Hd head dim, F ffn (intermediate) size, V vocab, L layers.
 *
 * @module
 */
/** A float32 tensor in C (row-major) order. */
export interface Tensor {
  /** The values, `numel(shape)` of them. */
  data: Float32Array;
  /** Dimensions, outermost first. */
  shape: number[];
}

/** The safetensors dtypes shortgpt reads. Integer dtypes are read for ids and masks. */
export type DType = "F32" | "F16" | "BF16" | "F64" | "I32" | "I64" | "I16" | "I8" | "U8" | "BOOL";

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<DType, number>> = Object.freeze({
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
});

/** Number of elements of a shape (1 for a scalar `[]`). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** A zero-filled tensor of the given shape. */
export function zeros(shape: number[]): Tensor {
  return { data: new Float32Array(numel(shape)), shape };
}

/** Formats a shape as `[2, 3]` for messages. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** The value of F16 bit pattern `h`: sign, 5 exponent bits (bias 15), 10 mantissa bits. */
export function f16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (0x400 + mantissa) * 2 ** (exponent - 25);
}

/**
 * The F16 bit pattern nearest to the float32 with bits `b`, ties to even (IEEE 754's default, as
 * PyTorch's `tensor.to(torch.float16)`): too large gives ±Inf, too small ±0, NaN stays NaN.
 */
export function f32BitsToF16(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exponent = (b >>> 23) & 0xff; // bias 127
  const mantissa = b & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  const e = exponent - 127 + 15; // the F16 exponent field, if the value were normal there
  if (e >= 0x1f) return sign | 0x7c00;
  if (e < -10) return sign; // below half the smallest subnormal (2⁻²⁵): rounds to zero
  // Keep the top bits of the mantissa (implicit 1 included for subnormal results), round the rest.
  const [kept, shift] = e > 0 ? [(e << 10) | (mantissa >>> 13), 13] : [(mantissa | 0x800000) >>> (14 - e), 14 - e];
  const rest = (e > 0 ? mantissa : mantissa | 0x800000) & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  // A carry out of the mantissa steps the exponent up (to Inf past 65504), as it should.
  return sign | (kept + (rest > half || (rest === half && (kept & 1)) ? 1 : 0));
}

/**
 * `x` rounded to the nearest F16 value, ties to even, straight from float64 (no float32 step, so
 * no double rounding): what `numpy.float16(x)` and `@petamoriken/float16`'s `f16round` give.
 * Past the largest half (65504, rounding up from 65520) it is ±Infinity.
 */
export function f16Round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 may round up just below a power of two
  else if (2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (Math.max(e, -14) - 10); // subnormals share the spacing 2⁻²⁴
  const q = a / ulp; // exact: ulp is a power of two
  const f = Math.floor(q), d = q - f;
  const n = d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
  return Math.sign(x) * n * ulp;
}

let halfFloats: Float32Array | undefined;

/** The float32 value of every F16 bit pattern, built on first use. */
function f16Table(): Float32Array {
  if (!halfFloats) {
    halfFloats = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfFloats[h] = f16ToNumber(h);
  }
  return halfFloats;
}

/**
 * Decodes little-endian `bytes` of `dtype` into float32.
 * F16 through a table of all 65536 half floats (filled once by {@link f16ToNumber}; a call per
 * element cost 0.3–1.8 µs); BF16 is the top half of a float32, so
 * it is a shift.
 */
export function toFloat32(bytes: Uint8Array, dtype: DType): Float32Array {
  const n = bytes.byteLength / DTYPE_SIZE[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Weights are decoded straight into shared memory where the runtime has it, so the CPU
  // backend's worker threads can read them without a second copy (src/backend/cpu.ts upload).
  const out = new Float32Array(
    typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4),
  );
  switch (dtype) {
    case "F32":
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    case "F16": {
      const table = f16Table();
      for (let i = 0; i < n; i++) out[i] = table[view.getUint16(2 * i, true)];
      return out;
    }
    case "BF16": {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case "F64":
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    case "I64":
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(8 * i, true));
      return out;
    case "I32":
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    case "I16":
      for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true);
      return out;
    case "I8":
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      return out;
    case "U8":
    case "BOOL":
      for (let i = 0; i < n; i++) out[i] = view.getUint8(i);
      return out;
  }
}

/**
 * Encodes float32 values as little-endian bytes of `dtype` (F32, F16 or BF16).
 * F16 and BF16 round to nearest even, as PyTorch's `tensor.to(...)` does.
 */
export function fromFloat32(data: Float32Array, dtype: "F32" | "F16" | "BF16"): Uint8Array {
  const n = data.length;
  const out = new Uint8Array(n * DTYPE_SIZE[dtype]);
  const view = new DataView(out.buffer);
  if (dtype === "F32") {
    for (let i = 0; i < n; i++) view.setFloat32(4 * i, data[i], true);
  } else if (dtype === "F16") {
    const bits = new Uint32Array(data.buffer, data.byteOffset, n);
    for (let i = 0; i < n; i++) view.setUint16(2 * i, f32BitsToF16(bits[i]), true);
  } else {
    const bits = new Uint32Array(data.buffer, data.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const b = bits[i];
      const isNaN = (b & 0x7f800000) === 0x7f800000 && (b & 0x007fffff) !== 0;
      const rounded = isNaN ? (b >>> 16) | 0x40 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
      view.setUint16(2 * i, rounded & 0xffff, true);
    }
  }
  return out;
}
