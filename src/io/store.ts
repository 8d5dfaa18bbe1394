/**
 * The tensors of a model folder: `model.safetensors`, or shards listed in
 * `model.safetensors.index.json` (`{"weight_map": {name: "model-00001-of-00002.safetensors"}}`).
 * Tensors are read one at a time; nothing is loaded until asked for.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import { SafetensorsFile, type TensorInfo } from "./safetensors.ts";
import type { TensorReader } from "./tensor_reader.ts";

/** All tensors of a model folder, across shards. */
export class TensorStore implements TensorReader {
  readonly #files: SafetensorsFile[];
  readonly #where = new Map<string, SafetensorsFile>();

  private constructor(readonly dir: string, files: SafetensorsFile[]) {
    this.#files = files;
    for (const f of files) {
      for (const name of f.tensors.keys()) {
        const other = this.#where.get(name);
        if (other) {
          throw new UserError(`Tensor "${name}" is in both "${other.path}" and "${f.path}"; remove the stray shard`);
        }
        this.#where.set(name, f);
      }
    }
  }

  /** A store over the files `open()` opens one by one; on any error every file opened so far is closed. */
  static #from(
    dir: string,
    paths: readonly string[],
    check: (files: SafetensorsFile[]) => void = () => {},
  ): TensorStore {
    const files: SafetensorsFile[] = [];
    try {
      for (const p of paths) files.push(SafetensorsFile.open(p));
      check(files);
      return new TensorStore(dir, files);
    } catch (e) {
      for (const f of files) f.close();
      throw e;
    }
  }

  /** Opens the safetensors files of folder `dir` (headers only). */
  static open(dir: string): TensorStore {
    const index = join(dir, "model.safetensors.index.json");
    if (existsSync(index)) return TensorStore.#openSharded(dir, index);
    const single = join(dir, "model.safetensors");
    if (existsSync(single)) return TensorStore.#from(dir, [single]);
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith(".safetensors")).sort();
    } catch {
      throw new UserError(`Cannot read model folder "${dir}": it does not exist or is not a folder`);
    }
    if (names.length === 0) {
      throw new UserError(
        `No weights in "${dir}": expected model.safetensors or model.safetensors.index.json (convert .bin/.pth checkpoints to safetensors first)`,
      );
    }
    return TensorStore.#from(dir, names.map((n) => join(dir, n)));
  }

  static #openSharded(dir: string, indexPath: string): TensorStore {
    let weightMap: Record<string, string>;
    try {
      const parsed = JSON.parse(readFileSync(indexPath, "utf8"));
      weightMap = parsed?.weight_map;
      if (typeof weightMap !== "object" || weightMap === null || Array.isArray(weightMap)) {
        throw new Error("no weight_map object");
      }
    } catch (e) {
      throw new UserError(
        `Cannot read "${indexPath}": ${(e as Error).message}; expected {"weight_map": {tensor: shard}}`,
      );
    }
    const shardNames = [...new Set(Object.values(weightMap))].sort();
    for (const shard of shardNames) {
      if (typeof shard !== "string" || !shard.endsWith(".safetensors") || shard.includes("/") || shard.includes("\\")) {
        throw new UserError(
          `"${indexPath}" names shard ${
            JSON.stringify(shard)
          }; expected the name of a .safetensors file in the same folder`,
        );
      }
      if (!existsSync(join(dir, shard))) {
        throw new UserError(`"${indexPath}" names shard "${shard}", which is missing; the download may be incomplete`);
      }
    }
    return TensorStore.#from(dir, shardNames.map((s) => join(dir, s)), (files) => {
      for (const [name, shard] of Object.entries(weightMap)) {
        if (!files[shardNames.indexOf(shard)].tensors.has(name)) {
          throw new UserError(`"${indexPath}" says tensor "${name}" is in "${shard}", but that shard does not hold it`);
        }
      }
    });
  }

  /** Names of every tensor, in file order. */
  names(): string[] {
    return [...this.#where.keys()];
  }

  has(name: string): boolean {
    return this.#where.has(name);
  }

  /** Where tensor `name` is, or undefined. */
  info(name: string): TensorInfo | undefined {
    return this.#where.get(name)?.tensors.get(name);
  }

  /** Tensor `name` as float32, read now. Throws a UserError naming the tensor when it is missing. */
  read(name: string): Tensor {
    return this.#file(name).read(name);
  }

  /** The stored bytes of tensor `name`, unconverted (for copying into a pruned model). */
  readBytes(name: string): Uint8Array {
    return this.#file(name).readBytes(name);
  }

  /** The safetensors files in shard order, headers read: for copying tensors as stored, shard by shard. */
  get files(): readonly SafetensorsFile[] {
    return this.#files;
  }

  /** Metadata of the first file (`__metadata__`). */
  get metadata(): Record<string, string> {
    return this.#files[0]?.metadata ?? {};
  }

  #file(name: string): SafetensorsFile {
    const f = this.#where.get(name);
    if (!f) {
      throw new UserError(
        `Tensor "${name}" is missing from "${this.dir}"; the checkpoint does not match its config.json`,
      );
    }
    return f;
  }

  /** Closes every shard's file. */
  close(): void {
    for (const f of this.#files) f.close();
  }
}
