/**
 * A scoped getter over a model folder's tensors: `weights.get("model.norm.weight", [D])`
 * reads the tensor, checks its shape against the one the config implies and checks that every
 * value is finite, naming the tensor when something is wrong.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import type { TensorStore } from "../io/store.ts";
import { shapeString } from "../tensor.ts";

/** Checked access to the tensors of a model folder. */
export class Weights {
  constructor(readonly store: TensorStore) {}

  has(name: string): boolean {
    return this.store.has(name);
  }

  /** Tensor `name` as float32, after checking it has `shape` and holds no NaN or Inf. */
  get(name: string, shape: readonly number[]): Float32Array {
    const info = this.store.info(name);
    if (!info) {
      throw new UserError(
        `Tensor "${name}" ${shapeString(shape)} is missing from "${this.store.dir}"; the checkpoint does not match its config.json`,
      );
    }
    if (info.shape.length !== shape.length || info.shape.some((s, i) => s !== shape[i])) {
      throw new UserError(
        `Tensor "${name}" has shape ${shapeString(info.shape)} but config.json implies ${shapeString(shape)}; check the config's sizes`,
      );
    }
    const { data } = this.store.read(name);
    const bad = firstNonFinite(data);
    if (bad >= 0) {
      throw new UserError(`Tensor "${name}" holds ${data[bad]} at element ${bad}; the checkpoint is corrupt or overflowed`);
    }
    return data;
  }
}

/** Index of the first NaN or ±Infinity in `x`, or -1. */
export function firstNonFinite(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) return i; // NaN - NaN and Inf - Inf are NaN
  }
  return -1;
}
