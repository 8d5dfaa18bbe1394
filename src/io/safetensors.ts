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
import { type Tensor, toFloat32 } from "../tensor.ts";
import { MAX_HEADER_BYTES, parseHeader, type TensorInfo } from "./safetensors_header.ts";

export { MAX_HEADER_BYTES, parseHeader, type TensorInfo } from "./safetensors_header.ts";

/** One safetensors file, read lazily through a file descriptor. */
export class SafetensorsFile {
  /** Every tensor's entry, by name, in header order. */
  readonly tensors: Map<string, TensorInfo>;
  /** The header's `__metadata__` (string values), empty when absent. */
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

  /** Closes the file; reads after this fail. Closing twice is harmless. */
  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}
