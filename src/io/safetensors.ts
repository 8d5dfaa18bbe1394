/**
 * safetensors: an 8-byte little-endian header length N, N bytes of JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the data.
 * Offsets are relative to the first byte after the header.
 *
 * {@link SafetensorsFile} validates the whole header against the format's rules before it
 * allocates anything for the data, then reads one tensor at a time through the file handle.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { fsReason, UserError } from "../errors.ts";
import { type DType, DTYPE_SIZE, numel, shapeString, type Tensor, toFloat32 } from "../tensor.ts";

/** The largest header the format allows (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Where one tensor's bytes are: `begin`/`end` are absolute offsets in `file`. */
export interface TensorInfo {
  name: string;
  dtype: DType;
  shape: number[];
  file: string;
  begin: number;
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

/** One safetensors file, read lazily through a file descriptor. */
export class SafetensorsFile {
  readonly tensors: Map<string, TensorInfo>;
  readonly metadata: Record<string, string>;
  #fd: number;

  private constructor(
    readonly path: string,
    fd: number,
    tensors: Map<string, TensorInfo>,
    metadata: Record<string, string>,
  ) {
    this.#fd = fd;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Opens and validates `path`; only the header is read. */
  static open(path: string): SafetensorsFile {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      throw new UserError(`Cannot open "${path}": ${fsReason(e)}`);
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) {
        throw new UserError(
          `Cannot load "${path}": it is ${
            stat.isDirectory() ? "a folder" : "a device or a pipe"
          }, not a safetensors file`,
        );
      }
      const size = stat.size;
      if (size < 8) {
        throw new UserError(`Cannot load "${path}": the file has ${size} bytes, fewer than the 8-byte header length`);
      }
      const lenBytes = new Uint8Array(8);
      readSync(fd, lenBytes, 0, 8, 0);
      const n = new DataView(lenBytes.buffer).getBigUint64(0, true);
      if (n > BigInt(MAX_HEADER_BYTES)) {
        throw new UserError(
          `Cannot load "${path}": header length ${n} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes; the file is not safetensors or is corrupt`,
        );
      }
      if (n > BigInt(size - 8)) {
        throw new UserError(
          `Cannot load "${path}": header length ${n} exceeds file size ${size} - 8; the file may be truncated (download it again)`,
        );
      }
      const header = new Uint8Array(Number(n));
      readSync(fd, header, 0, header.byteLength, 8);
      const { tensors, metadata } = parseHeader(path, header, size);
      return new SafetensorsFile(path, fd, tensors, metadata);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** The raw little-endian bytes of tensor `name`, read from disk now. */
  readBytes(name: string): Uint8Array {
    const info = this.tensors.get(name);
    if (!info) throw new UserError(`Tensor "${name}" is not in "${this.path}"`);
    const out = new Uint8Array(info.end - info.begin);
    let done = 0;
    while (done < out.byteLength) {
      const n = readSync(this.#fd, out, done, out.byteLength - done, info.begin + done);
      if (n === 0) throw new UserError(`Cannot read "${name}" from "${this.path}": the file ended early`);
      done += n;
    }
    return out;
  }

  /** Tensor `name` converted to float32. */
  read(name: string): Tensor {
    const bytes = this.readBytes(name);
    const info = this.tensors.get(name)!;
    return { data: toFloat32(bytes, info.dtype), shape: [...info.shape] };
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}
