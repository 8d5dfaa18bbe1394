/**
 * A few lines of WebAssembly binary encoding shared by the matmul kernels that build their module
 * instruction by instruction (kernels/cpu/matmul_wasm.ts, kernels/cpu/matmul_fast.ts; internal).
 * Opcodes: https://webassembly.github.io/spec/core/binary/instructions.html
 *
 * @module
 */

/** Unsigned LEB128. */
export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
/** Signed LEB128. */
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) return [...out, b];
    out.push(b | 0x80);
  }
};
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

export const get = (i: number) => [0x20, ...uleb(i)]; // local.get
export const set = (i: number) => [0x21, ...uleb(i)]; // local.set
export const tee = (i: number) => [0x22, ...uleb(i)]; // local.tee
export const i32 = (n: number) => [0x41, ...sleb(n)]; // i32.const
export const I32_ADD = [0x6a], I32_MUL = [0x6c], I32_LT_U = [0x49];
export const LOOP = [0x03, 0x40], END = [0x0b], BR_IF_0 = [0x0d, 0x00];
export const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
export const V128_ZERO = simd(0x0c, ...new Array(16).fill(0)); // v128.const 0
export const F32X4_ADD = simd(0xe4), F32X4_MUL = simd(0xe6); // f32x4.add, f32x4.mul
/** v128.load / v128.store at a constant byte offset (alignment hint 2^4, natural for v128). */
export const V128_LOAD = (offset = 0) => simd(0x00, 4, ...uleb(offset));
export const V128_STORE = (offset = 0) => simd(0x0b, 4, ...uleb(offset));
export const V128_LOAD64_SPLAT = simd(0x0a, 3, 0); // one float64 into both lanes
export const F64X2_ADD = simd(240), F64X2_SUB = simd(241), F64X2_MUL = simd(242), F64X2_DIV = simd(243);
export const I32 = 0x7f, V128 = 0x7b;

/** A module of functions of type `params × i32 → ()` sharing one exported memory. */
export function moduleBytes(params: number, funcs: { name: string; body: number[] }[]): Uint8Array<ArrayBuffer> {
  const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]; // "\0asm", version 1
  const type = [0x60, ...vec(new Array(params).fill([I32])), 0];
  return new Uint8Array([
    ...MAGIC_AND_VERSION,
    ...section(1, vec([type])), // type 0: params × i32 → ()
    ...section(3, vec(funcs.map(() => [0]))), // every function has type 0
    ...section(5, vec([[0, 1]])), // one memory, at least 1 page
    ...section(7, vec([[...name("memory"), 2, 0], ...funcs.map((f, i) => [...name(f.name), 0, ...uleb(i)])])),
    ...section(10, vec(funcs.map((f) => [...uleb(f.body.length), ...f.body]))), // code
  ]);
}
