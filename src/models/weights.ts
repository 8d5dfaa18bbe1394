/**
 * A scoped getter over a model folder's tensors: `weights.get("model.norm.weight", [D])`
 * reads the tensor, checks its shape against the one the config implies and checks that every
 * value is finite, naming the tensor when something is wrong.
 *
 * @module
 */
import { firstNonFinite } from "../../kernels/cpu/nonfinite.ts";
import { closeSync, openSync, readSync } from "node:fs";
import { UserError } from "../errors.ts";
import type { TensorStore } from "../io/store.ts";
import { shapeString } from "../tensor.ts";

/** Checked access to the tensors of a model folder. */
export class Weights {
  /**
   * With `shapesOnly`, `get` checks presence and shape from the headers and returns an empty
   * array without reading anything: a structure check of a checkpoint of any size.
   */
  constructor(readonly store: TensorStore, readonly opts: { shapesOnly?: boolean } = {}) {}

  has(name: string): boolean {
    return this.store.has(name);
  }

  /** Tensor `name` as float32, after checking it has `shape` and holds no NaN or Inf. */
  get(name: string, shape: readonly number[]): Float32Array {
    const info = this.store.info(name);
    if (!info) {
      throw new UserError(
        `Tensor "${name}" ${
          shapeString(shape)
        } is missing from "${this.store.dir}"; the checkpoint does not match its config.json`,
      );
    }
    if (info.shape.length !== shape.length || info.shape.some((s, i) => s !== shape[i])) {
      throw new UserError(
        `Tensor "${name}" has shape ${shapeString(info.shape)} but config.json implies ${
          shapeString(shape)
        }; check the config's sizes`,
      );
    }
    if (this.opts.shapesOnly) return new Float32Array(0);
    const { data } = this.store.read(name);
    const bad = firstNonFinite(data);
    if (bad >= 0) {
      throw new UserError(
        `Tensor "${name}" holds ${data[bad]} at element ${bad}; the checkpoint is corrupt or overflowed`,
      );
    }
    return data;
  }
}

/**
 * A getter scoped to one prefix, through which a family names its tensors as the checkpoint does:
 * with prefix `model.layers.3`, `get("self_attn.q_proj.weight", [H·Hd, D])` reads
 * `model.layers.3.self_attn.q_proj.weight` (shape and finiteness checked, a missing tensor
 * reported by its full name); `get.has(name)` asks whether it is there.
 */
export type Getter = ((name: string, shape: number[]) => Float32Array) & {
  has(name: string): boolean;
  prefix: string;
};

/** The getter for tensors named `${prefix}.${name}` (just `name` when `prefix` is ""). */
export function scoped(weights: Weights, prefix: string): Getter {
  const full = (name: string) => (prefix ? `${prefix}.${name}` : name);
  const get = (name: string, shape: number[]) => weights.get(full(name), shape);
  return Object.assign(get, { has: (name: string) => weights.has(full(name)), prefix });
}

/** Bit masks of the exponent field: all ones means Inf or NaN. */
const EXPONENT: Partial<Record<string, { bytes: 2 | 4; mask: number; sign: number }>> = {
  F32: { bytes: 4, mask: 0x7f800000, sign: 0x80000000 },
  BF16: { bytes: 2, mask: 0x7f80, sign: 0x8000 },
  F16: { bytes: 2, mask: 0x7c00, sign: 0x8000 },
};

/** The value of stored bits whose exponent is all ones: NaN (a mantissa bit set), Infinity or -Infinity. */
function special(bits: number, e: { mask: number; sign: number }): number {
  const mantissa = bits & ~(e.mask | e.sign) & (e.sign * 2 - 1);
  if (mantissa !== 0) return NaN;
  return (bits & e.sign) !== 0 ? -Infinity : Infinity;
}

/**
 * Throws a UserError naming tensor `name` when its stored values hold NaN or ±Inf. Scans the raw
 * bytes in chunks (no decoding, memory independent of the tensor's size); integer dtypes pass.
 */
export function checkStoredFinite(store: TensorStore, name: string): void {
  const info = store.info(name);
  const check = info && storedFiniteCheck(name, info.dtype);
  if (!info || !check) return;
  const chunk = 1 << 24;
  const buf = new Uint8Array(Math.min(chunk, Math.max(4, info.end - info.begin)));
  const fd = openSync(info.file, "r");
  try {
    for (let at = info.begin; at < info.end;) {
      const n = readSync(fd, buf, 0, Math.min(buf.byteLength, info.end - at), at);
      if (n === 0) throw new UserError(`Tensor "${name}" ends early in "${info.file}"; the file may be truncated`);
      check(buf.subarray(0, n), at - info.begin);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A check of tensor `name`'s stored bytes, chunk by chunk as they stream past (`at` = the chunk's
 * byte offset in the tensor; chunks cut on element boundaries): throws a UserError at the first
 * NaN or ±Inf, with its element index. Undefined for dtypes without NaN (integers). The exponent
 * bits are tested on the raw little-endian words, through a typed-array view where the chunk is
 * aligned (fast on every runtime), else through a DataView.
 */
export function storedFiniteCheck(
  name: string,
  dtype: string,
): ((chunk: Uint8Array, at: number) => void) | undefined {
  const e = EXPONENT[dtype];
  if (!e) return undefined;
  const fail = (bits: number, at: number, i: number): never => {
    throw new UserError(
      `Tensor "${name}" holds ${special(bits, e)} at element ${
        (at + i) / e.bytes
      }; the checkpoint is corrupt or overflowed`,
    );
  };
  return (chunk, at) => {
    const n = chunk.byteLength - (chunk.byteLength % e.bytes), mask = e.mask;
    if (littleEndian && chunk.byteOffset % e.bytes === 0) {
      const words = e.bytes === 4
        ? new Uint32Array(chunk.buffer, chunk.byteOffset, n / 4)
        : new Uint16Array(chunk.buffer, chunk.byteOffset, n / 2);
      for (let i = 0; i < words.length; i++) if ((words[i] & mask) === mask) fail(words[i], at, i * e.bytes);
      return;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, n);
    for (let i = 0; i < n; i += e.bytes) {
      const bits = e.bytes === 4 ? view.getUint32(i, true) : view.getUint16(i, true);
      if ((bits & mask) === mask) fail(bits, at, i);
    }
  };
}
