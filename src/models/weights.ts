/**
 * A scoped getter over a model folder's tensors: `weights.get("model.norm.weight", [D])`
 * reads the tensor, checks its shape against the one the config implies and checks that every
 * value is finite, naming the tensor when something is wrong.
 *
 * @module
 */
import { firstNonFinite } from "../../kernels/cpu/nonfinite.ts";
import { UserError } from "../errors.ts";
import type { TensorReader } from "../io/tensor_reader.ts";
import { shapeString } from "../tensor.ts";

/** Checked access to the tensors of a model folder. */
export class Weights {
  /**
   * With `shapesOnly`, `get` checks presence and shape from the headers and returns an empty
   * array without reading anything: a structure check of a checkpoint of any size.
   */
  constructor(readonly store: TensorReader, readonly opts: { shapesOnly?: boolean } = {}) {}

  /** Whether tensor `name` is in the checkpoint. */
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
