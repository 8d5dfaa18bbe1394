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
  const e = info && EXPONENT[info.dtype];
  if (!info || !e) return;
  const chunk = 1 << 24;
  const buf = new Uint8Array(Math.min(chunk, Math.max(e.bytes, info.end - info.begin)));
  const fd = openSync(info.file, "r");
  try {
    for (let at = info.begin; at < info.end;) {
      const n = readSync(fd, buf, 0, Math.min(buf.byteLength, info.end - at), at);
      if (n === 0) throw new UserError(`Tensor "${name}" ends early in "${info.file}"; the file may be truncated`);
      const view = new DataView(buf.buffer, 0, n);
      for (let i = 0; i + e.bytes <= n; i += e.bytes) {
        const bits = e.bytes === 4 ? view.getUint32(i, true) : view.getUint16(i, true);
        if ((bits & e.mask) === e.mask) {
          const element = (at - info.begin + i) / e.bytes;
          throw new UserError(
            `Tensor "${name}" holds ${special(bits, e)} at element ${element}; the checkpoint is corrupt or overflowed`,
          );
        }
      }
      at += n;
    }
  } finally {
    closeSync(fd);
  }
}
