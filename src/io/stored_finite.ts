/**
 * A scan of a stored tensor's raw bytes for NaN and ±Inf, in chunks straight from its file (no
 * decoding; memory independent of the tensor's size), for checks of checkpoints too large to load.
 *
 * @module
 */
import { closeSync, openSync, readSync } from "node:fs";
import { UserError } from "../errors.ts";
import type { TensorStore } from "./store.ts";

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
