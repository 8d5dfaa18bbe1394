/**
 * What the model loaders need from a checkpoint's tensors, wherever the bytes are: a folder on
 * disk ({@link TensorStore} in src/io/store.ts) or bytes already in memory ({@link MemoryTensors},
 * filled from a File, a Blob or a URL by src/io/safetensors_source.ts).
 *
 * @module
 */
import { UserError } from "../errors.ts";
import { type Tensor, toFloat32 } from "../tensor.ts";
import type { TensorInfo } from "./safetensors_header.ts";

/** Read access to the tensors of one checkpoint, by name. */
export interface TensorReader {
  /** Where the tensors come from (a folder path, a URL, a dropped folder's name), for messages. */
  readonly dir: string;
  /** `__metadata__` of the (first) safetensors file. */
  readonly metadata: Record<string, string>;
  /** Every tensor name, in file order. */
  names(): string[];
  /** Whether tensor `name` is there. */
  has(name: string): boolean;
  /** Where tensor `name` is, or undefined. */
  info(name: string): TensorInfo | undefined;
  /** Tensor `name` as float32. Throws a UserError naming the tensor when it is missing. */
  read(name: string): Tensor;
  /** The stored bytes of tensor `name`, unconverted. */
  readBytes(name: string): Uint8Array;
}

/** Tensors whose stored bytes are in memory already, each with its header entry. */
export class MemoryTensors implements TensorReader {
  readonly #infos: Map<string, TensorInfo>;
  readonly #bytes: Map<string, Uint8Array>;

  /** `bytes` holds every tensor of `infos`, `info.end - info.begin` bytes each. */
  constructor(
    readonly dir: string,
    infos: Map<string, TensorInfo>,
    bytes: Map<string, Uint8Array>,
    readonly metadata: Record<string, string> = {},
  ) {
    for (const [name, info] of infos) {
      const b = bytes.get(name);
      if (!b || b.byteLength !== info.end - info.begin) {
        throw new Error(
          `MemoryTensors: "${name}" has ${b?.byteLength ?? "no"} bytes, expected ${info.end - info.begin}`,
        );
      }
    }
    this.#infos = infos;
    this.#bytes = bytes;
  }

  names(): string[] {
    return [...this.#infos.keys()];
  }

  has(name: string): boolean {
    return this.#infos.has(name);
  }

  info(name: string): TensorInfo | undefined {
    return this.#infos.get(name);
  }

  readBytes(name: string): Uint8Array {
    const bytes = this.#bytes.get(name);
    if (!bytes) {
      throw new UserError(
        `Tensor "${name}" is missing from "${this.dir}"; the checkpoint does not match its config.json`,
      );
    }
    return bytes;
  }

  read(name: string): Tensor {
    const bytes = this.readBytes(name);
    const info = this.#infos.get(name)!;
    return { data: toFloat32(bytes, info.dtype), shape: [...info.shape] };
  }
}
