/**
 * The safetensors header, checked: an 8-byte little-endian length N, then N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`. Pure (no file
 * system): src/io/safetensors.ts reads files with it, src/io/safetensors_source.ts any byte source.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import { type DType, DTYPE_SIZE, numel, shapeString } from "../tensor.ts";

/** The largest header the format allows (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Where one tensor's bytes are: `begin`/`end` are absolute offsets in `file`. */
export interface TensorInfo {
  /** The tensor's name in the checkpoint, e.g. `model.layers.0.self_attn.q_proj.weight`. */
  name: string;
  /** Element type as stored. */
  dtype: DType;
  /** Dimensions, outermost first (row-major). */
  shape: number[];
  /** Path (or name) of the file that holds it. */
  file: string;
  /** Byte offset of its first byte from the start of the file (8 + header length + data offset). */
  begin: number;
  /** Byte offset just past its last byte. */
  end: number;
}

/** A JSON value quoted for a message, cut short when long. */
function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length <= 60 ? text : `${text.slice(0, 60)}...`;
}

/** Parses and checks a header; throws UserError with the file path on any violation. */
export function parseHeader(path: string, headerBytes: Uint8Array, fileSize: number): {
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
} {
  const fail = (why: string): never => {
    throw new UserError(`Cannot load "${path}": ${why}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch (e) {
    fail(`the header is not valid UTF-8 JSON (${(e as Error).message}); the file may be truncated or not safetensors`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    fail("the header is not a JSON object; the file is not safetensors or is corrupt");
  }
  const dataStart = 8 + headerBytes.byteLength;
  const dataSize = fileSize - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) fail(`"__metadata__" is not an object`);
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null || Array.isArray(e)) {
      fail(`tensor "${name}" has entry ${show(e)}; expected {"dtype", "shape", "data_offsets"}`);
    }
    if (typeof e.dtype !== "string" || !Object.hasOwn(DTYPE_SIZE, e.dtype)) {
      fail(`tensor "${name}" has dtype ${show(e.dtype)}; supported: ${Object.keys(DTYPE_SIZE).join(", ")}`);
    }
    const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
    if (!Array.isArray(e.shape) || !e.shape.every(isCount)) {
      fail(`tensor "${name}" has shape ${show(e.shape)}; expected a list of non-negative integers`);
    }
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isCount) || offs[0] > offs[1]) {
      fail(`tensor "${name}" has data_offsets ${show(offs)}; expected [begin, end] with 0 <= begin <= end`);
    }
    const dtype = e.dtype as DType;
    const shape = e.shape as number[];
    const [begin, end] = offs as [number, number];
    const expected = numel(shape) * DTYPE_SIZE[dtype];
    if (end - begin !== expected) {
      fail(
        `tensor "${name}" (${dtype} ${shapeString(shape)}) needs ${expected} bytes but its offsets span ${
          end - begin
        }; the file is corrupt`,
      );
    }
    if (end > dataSize) {
      fail(
        `tensor "${name}" ends at byte ${end} of the data but the file holds only ${dataSize}; it may be truncated (download it again)`,
      );
    }
    tensors.set(name, { name, dtype, shape, file: path, begin: dataStart + begin, end: dataStart + end });
  }
  // The byte ranges must tile the data section in order: no gaps, no overlaps.
  const ranges = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = dataStart;
  for (const r of ranges) {
    if (r.begin !== cursor) {
      const what = r.begin < cursor ? "overlaps the previous tensor" : "leaves a gap after the previous tensor";
      fail(
        `tensor "${r.name}" starts at data byte ${r.begin - dataStart}, which ${what} (expected ${
          cursor - dataStart
        }); the file is corrupt`,
      );
    }
    cursor = r.end;
  }
  return { tensors, metadata };
}

/** The header JSON for `entries`, padded with spaces to a multiple of 8 bytes (as the reference writer does). */
export function encodeHeader(
  entries: readonly { name: string; dtype: DType; shape: readonly number[]; bytes?: unknown }[],
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const e of entries) {
    const size = numel(e.shape) * DTYPE_SIZE[e.dtype];
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let text = JSON.stringify(header);
  text += " ".repeat((8 - (new TextEncoder().encode(text).byteLength % 8)) % 8);
  return new TextEncoder().encode(text);
}

/**
 * A whole safetensors file in memory: length, header, then each tensor's `bytes` in the order
 * given (for a download from a page; src/io/safetensors_write.ts streams to a file instead).
 */
export function encodeSafetensors(
  entries: readonly { name: string; dtype: DType; shape: readonly number[]; bytes: Uint8Array }[],
  metadata?: Record<string, string>,
): Uint8Array {
  const header = encodeHeader(entries, metadata);
  const size = entries.reduce((n, e) => n + e.bytes.byteLength, 8 + header.byteLength);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.byteLength), true);
  out.set(header, 8);
  let at = 8 + header.byteLength;
  for (const e of entries) {
    const expected = numel(e.shape) * DTYPE_SIZE[e.dtype];
    if (e.bytes.byteLength !== expected) {
      throw new Error(`encodeSafetensors: "${e.name}" has ${e.bytes.byteLength} bytes, expected ${expected}`);
    }
    out.set(e.bytes, at);
    at += e.bytes.byteLength;
  }
  return out;
}
