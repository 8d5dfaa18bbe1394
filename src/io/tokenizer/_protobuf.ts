/**
 * A minimal protocol-buffers reader: enough wire format to walk a SentencePiece `ModelProto`.
 *
 * Each message is read as a list of fields (number, wire type, value); the caller picks the
 * fields it knows and ignores the rest, as protobuf readers do. Wire types: 0 varint,
 * 1 fixed64, 2 length-delimited (bytes, strings, sub-messages), 5 fixed32.
 *
 * @module
 */

/** One field of a message: varints as numbers, fixed32 as the raw 32 bits, length-delimited as bytes. */
export interface Field {
  number: number;
  wireType: 0 | 1 | 2 | 5;
  /** varint value (wire type 0) or the raw bits of a fixed32 (5); 0 for the others */
  int: number;
  /** the low 32 bits of `int`, exact even where `int` is not (varints above 2^53) */
  low32: number;
  /** payload of a length-delimited field (wire type 2), or of a fixed64 (1) */
  bytes: Uint8Array;
}

/** Thrown on bytes that are not a valid protobuf message; callers turn it into a UserError. */
export class ProtobufError extends Error {}

/** Splits a message into its fields, in file order. */
export function readFields(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  let o = 0;
  let low32 = 0; // low 32 bits of the last varint read
  const varint = (): number => {
    let value = 0, scale = 1;
    low32 = 0;
    for (let k = 0; k < 10; k++) {
      if (o >= buf.length) throw new ProtobufError(`varint cut off at byte ${o}`);
      const b = buf[o++];
      value += (b & 0x7f) * scale; // above 2^53 this loses precision: int32() uses low32
      if (k < 5) low32 = (low32 + (b & 0x7f) * 2 ** (7 * k)) % 2 ** 32;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new ProtobufError(`varint longer than 10 bytes at byte ${o}`);
  };
  const take = (n: number): Uint8Array => {
    if (n < 0 || o + n > buf.length) {
      throw new ProtobufError(`field of ${n} bytes at byte ${o} runs past the end (${buf.length})`);
    }
    const out = buf.subarray(o, o + n);
    o += n;
    return out;
  };
  const empty = new Uint8Array(0);
  while (o < buf.length) {
    const key = varint();
    const number = Math.floor(key / 8), wireType = key % 8;
    if (number === 0) throw new ProtobufError(`field number 0 at byte ${o}`);
    if (wireType === 0) {
      const int = varint();
      fields.push({ number, wireType, int, low32, bytes: empty });
    } else if (wireType === 1) fields.push({ number, wireType, int: 0, low32: 0, bytes: take(8) });
    else if (wireType === 2) fields.push({ number, wireType, int: 0, low32: 0, bytes: take(varint()) });
    else if (wireType === 5) {
      const bits = new DataView(take(4).slice().buffer).getUint32(0, true);
      fields.push({ number, wireType, int: bits, low32: bits, bytes: empty });
    } else throw new ProtobufError(`unsupported wire type ${wireType} at byte ${o}`);
  }
  return fields;
}

/** A varint field read as a signed 32-bit int (protobuf `int32`: negatives take 10 bytes). */
export function int32(f: Field): number {
  return f.low32 | 0;
}

/** A fixed32 field read as protobuf `float`. */
export function float32(f: Field): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, f.int, true);
  return view.getFloat32(0, true);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A length-delimited field read as a UTF-8 string. */
export function string(f: Field): string {
  try {
    return utf8.decode(f.bytes);
  } catch {
    throw new ProtobufError(`field ${f.number} is not valid UTF-8`);
  }
}
