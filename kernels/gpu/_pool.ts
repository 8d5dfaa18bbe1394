/**
 * Reuse of GPU buffers for activations (internal to the WebGPU backend).
 *
 * {@link Ops} has no "free": a model drops an activation by dropping its handle. The pool
 * notices through a `FinalizationRegistry`: when a {@link GpuTensor} handle is garbage
 * collected, its buffer goes back to a free list keyed by byte size, and the next tensor of
 * that size takes it instead of allocating. (A caller that knows a tensor is dead can say so
 * with {@link BufferPool.release}, which does not wait for the garbage collector.) Reuse is safe without waiting for the GPU: the
 * buffer's new contents are written by commands queued after every command that read the
 * old ones, and the queue runs commands in order.
 *
 * @module
 */

/** A float32 array on the GPU: the WebGPU backend's handle `A`. */
export class GpuTensor {
  /**
   * Wraps a buffer already made (the pool and `Gpu.upload` make them).
   *
   * @param buffer its GPU buffer (may be larger than the data)
   * @param length number of float32 values
   */
  constructor(readonly buffer: GPUBuffer, readonly length: number) {}
}

/** Free buffers by size, refilled as tensor handles are collected. */
export class BufferPool {
  readonly #free = new Map<number, GPUBuffer[]>();
  #freeBytes = 0;
  #dropped: GPUBuffer[] = []; // over the free limit: destroyed after the next submit
  /** Counts for tests and benchmarks: buffers made, taken from the free lists, given back. */
  readonly stats = { created: 0, reused: 0, returned: 0 };
  readonly #registry = new FinalizationRegistry<GPUBuffer>((buffer) => this.#giveBack(buffer));

  /**
   * @param device       where buffers are made
   * @param usage        GPUBufferUsage flags of every pooled buffer
   * @param maxFreeBytes free buffers beyond this are dropped rather than kept
   */
  constructor(readonly device: GPUDevice, readonly usage: number, readonly maxFreeBytes: number) {}

  /** A tensor of `n` float32 values whose buffer returns here when the tensor is collected. */
  tensor(n: number): GpuTensor {
    const bytes = bufferBytes(n);
    let buffer = this.#free.get(bytes)?.pop();
    if (buffer) {
      this.#freeBytes -= bytes;
      this.stats.reused++;
    } else {
      buffer = this.device.createBuffer({ size: bytes, usage: this.usage, label: `activation ${bytes} B` });
      this.stats.created++;
    }
    const t = new GpuTensor(buffer, n);
    this.#registry.register(t, buffer, t);
    return t;
  }

  /**
   * Gives the buffer of `t` back now instead of when `t` is collected; `t` must not be used
   * afterwards. Returns false for a tensor that is not from this pool (a weight) or was
   * already released.
   */
  release(t: GpuTensor): boolean {
    if (!this.#registry.unregister(t)) return false;
    this.#giveBack(t.buffer);
    return true;
  }

  /** Bytes held in free buffers (for tests and benchmarks). */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /**
   * Destroys the buffers that did not fit in the free lists. Call right after submitting all
   * recorded commands: a destroyed buffer may still be read by submitted work (WebGPU frees
   * it once that work is done) but not by work recorded later.
   */
  destroyDropped(): void {
    for (const b of this.#dropped) b.destroy();
    this.#dropped = [];
  }

  #giveBack(buffer: GPUBuffer): void {
    this.stats.returned++;
    if (this.#freeBytes + buffer.size > this.maxFreeBytes) {
      this.#dropped.push(buffer);
      return;
    }
    const list = this.#free.get(buffer.size) ?? [];
    list.push(buffer);
    this.#free.set(buffer.size, list);
    this.#freeBytes += buffer.size;
  }
}

/** Bytes of a buffer for `n` float32 values: at least 16, a multiple of 16. */
export function bufferBytes(n: number): number {
  return Math.max(16, Math.ceil((n * 4) / 16) * 16);
}
