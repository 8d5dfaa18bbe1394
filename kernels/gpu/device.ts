/**
 * The WebGPU device as the kernels see it (internal to the WebGPU backend): compute
 * pipelines cached by a readable key that is also their label, uniform buffers of shapes,
 * activation buffers from a {@link BufferPool}, and one command encoder that records
 * dispatches until work must reach the GPU.
 *
 * Dispatchers in `kernels/gpu/` use it as
 *
 *     const pipeline = gpu.pipeline("rmsnorm", { WG: 256 }); // label "rmsnorm|f32|WG=256"
 *     gpu.dispatch(pipeline, [gpu.uniform([T, D], [eps]), x.buffer, weight.buffer, out.buffer], [T]);
 *
 * Nothing here waits for the GPU except {@link Gpu.read} and {@link Gpu.done}.
 *
 * @module
 */
import { WGSL } from "../wgsl/_sources.ts";
import { bufferBytes, BufferPool, GpuTensor } from "./_pool.ts";

export { GpuTensor };

/** Usage of every tensor buffer, weights and activations alike (a function: Node and Bun have no GPUBufferUsage). */
const tensorUsage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
/** Dispatches recorded before the encoder is submitted, so the GPU starts while we record more. */
const DISPATCHES_PER_SUBMIT = 64;
/** Uniform buffers kept for reuse (they are keyed by content and never change). */
const MAX_UNIFORMS = 4096;

/** A WebGPU device with the caches the kernels need. */
export class Gpu {
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  /** Bind group layout 0 of each pipeline (asked once: the call makes a new object each time). */
  readonly #layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
  /** Tensors made by {@link Gpu.upload}: {@link Gpu.dispose} destroys these and pools the rest. */
  readonly #weights = new WeakSet<GpuTensor>();
  readonly #modules = new Map<string, GPUShaderModule>();
  readonly #uniforms = new Map<string, GPUBuffer>();
  readonly #staging: GPUBuffer[] = [];
  readonly #pool: BufferPool;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #recorded = 0;
  #error: string | null = null;
  /** Bound where a kernel's optional input (bias, ALiBi slopes) is absent; never read. */
  readonly placeholder: GPUBuffer;

  /**
   * Wraps an open device (use {@link openGpu}, which opens one per process).
   *
   * @param device  an open device
   * @param adapter one line about the adapter, e.g. `llvmpipe (LLVM 15.0.6, 256 bits), software`
   */
  constructor(readonly device: GPUDevice, readonly adapter: string) {
    this.#pool = new BufferPool(device, tensorUsage(), Math.min(2 ** 30, device.limits.maxBufferSize));
    this.placeholder = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE, label: "placeholder" });
    device.addEventListener("uncapturederror", (e) => {
      this.#error ??= (e as GPUUncapturedErrorEvent).error.message;
    });
  }

  /** Activation buffers made, reused from the pool, and returned to it so far. */
  get poolStats(): { created: number; reused: number; returned: number } {
    return { ...this.#pool.stats };
  }

  /** Device limits the dispatchers size their work by. */
  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /**
   * The compute pipeline of shader `kernels/wgsl/<kernel>.wgsl` (entry point `main`) with its
   * `override` constants set, made once per key `kernel|f32|NAME=value,...` (also its label).
   */
  pipeline(kernel: string, constants: Record<string, number> = {}): GPUComputePipeline {
    const names = Object.keys(constants).sort();
    const key = `${kernel}|f32|${names.map((n) => `${n}=${constants[n]}`).join(",")}`;
    let p = this.#pipelines.get(key);
    if (!p) {
      p = this.device.createComputePipeline({
        label: key,
        layout: "auto",
        compute: { module: this.module(kernel), entryPoint: "main", constants },
      });
      this.#pipelines.set(key, p);
    }
    return p;
  }

  /** The shader module of `kernels/wgsl/<kernel>.wgsl`, compiled once. */
  module(kernel: string): GPUShaderModule {
    let m = this.#modules.get(kernel);
    if (!m) {
      const code = WGSL[kernel];
      if (code === undefined) throw new Error(`No shader "${kernel}" in kernels/wgsl/_sources.ts`);
      m = this.device.createShaderModule({ label: kernel, code });
      this.#modules.set(kernel, m);
    }
    return m;
  }

  /** Keys of the pipelines made so far (e.g. `matmul|f32|WG_X=16,WG_Y=16`). */
  get pipelineKeys(): string[] {
    return [...this.#pipelines.keys()];
  }

  /**
   * A uniform buffer holding `u32s` then `f32s`, for a shader struct that lists its `u32`
   * fields first. Equal contents share one buffer.
   */
  uniform(u32s: readonly number[], f32s: readonly number[] = []): GPUBuffer {
    const words = new Uint32Array(Math.max(4, Math.ceil((u32s.length + f32s.length) / 4) * 4));
    u32s.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`uniform field ${i} = ${v} is not a u32`);
      words[i] = v;
    });
    new Float32Array(words.buffer).set(f32s, u32s.length);
    const key = words.join(",");
    let b = this.#uniforms.get(key);
    if (!b) {
      if (this.#uniforms.size >= MAX_UNIFORMS) this.#uniforms.clear(); // buffers in use stay alive
      b = this.#create(words, GPUBufferUsage.UNIFORM, "shape");
      this.#uniforms.set(key, b);
    }
    return b;
  }

  /** A new tensor of `n` float32 values, contents undefined (from the pool). */
  tensor(n: number): GpuTensor {
    return this.#pool.tensor(n);
  }

  /** Returns the buffer of activation `t` to the pool now; `t` must not be used again. */
  release(t: GpuTensor): void {
    this.#pool.release(t);
  }

  /**
   * Frees `t` for good: an activation goes back to the pool; a weight's buffer is destroyed after
   * what has been recorded is submitted (submitted work may still read it; WebGPU frees the memory
   * when that work is done). `t` must not be used again.
   */
  dispose(t: GpuTensor): void {
    if (!this.#weights.has(t)) return this.release(t);
    this.#weights.delete(t);
    this.flush();
    t.buffer.destroy();
  }

  /**
   * Why `data` cannot be uploaded as one tensor (larger than one binding of this adapter), or
   * null. A backend reports this to the user; {@link Gpu.upload} asserts it.
   */
  uploadProblem(data: Float32Array | Uint32Array): string | null {
    const max = this.device.limits.maxStorageBufferBindingSize;
    return data.byteLength > max
      ? `A tensor of ${data.length} values (${data.byteLength} bytes) exceeds the ${max}-byte ` +
        `maxStorageBufferBindingSize of this WebGPU adapter (${this.adapter}); use --backend cpu`
      : null;
  }

  /** A tensor holding a copy of `data` (weights: made once, never pooled). */
  upload(data: Float32Array | Uint32Array, label = "weight"): GpuTensor {
    const problem = this.uploadProblem(data);
    if (problem !== null) throw new Error(problem);
    const t = new GpuTensor(this.#create(data, tensorUsage(), label), data.length);
    this.#weights.add(t);
    return t;
  }

  /** Records one dispatch of `pipeline` with `buffers` at bindings 0, 1, 2, ... of group 0. */
  dispatch(pipeline: GPUComputePipeline, buffers: readonly GPUBuffer[], groups: readonly number[]): void {
    const bindGroup = this.device.createBindGroup({
      layout: this.#layout(pipeline),
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    this.#encoder ??= this.device.createCommandEncoder();
    this.#pass ??= this.#encoder.beginComputePass();
    this.#pass.setPipeline(pipeline);
    this.#pass.setBindGroup(0, bindGroup);
    this.#pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
    if (++this.#recorded >= DISPATCHES_PER_SUBMIT) this.flush();
  }

  /** Records a copy of `bytes` bytes between buffers (offsets and size multiples of 4). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.#pass?.end();
    this.#pass = null;
    this.#encoder ??= this.device.createCommandEncoder();
    this.#encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Records setting every value of `t` to zero. */
  clear(t: GpuTensor): void {
    this.#pass?.end();
    this.#pass = null;
    this.#encoder ??= this.device.createCommandEncoder();
    this.#encoder.clearBuffer(t.buffer);
  }

  /** Submits what has been recorded. */
  flush(): void {
    this.#pass?.end();
    this.#pass = null;
    if (this.#encoder) this.device.queue.submit([this.#encoder.finish()]);
    this.#encoder = null;
    this.#recorded = 0;
    this.#pool.destroyDropped();
  }

  /** Waits until the GPU has finished everything recorded so far (for timing). */
  async done(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.#throwIfFailed();
  }

  /** Copies `t` back to the host through a mappable staging buffer. */
  async read(t: GpuTensor): Promise<Float32Array> {
    const bytes = t.length * 4;
    const size = bufferBytes(t.length);
    const i = this.#staging.findIndex((b) => b.size === size);
    const staging = i >= 0 ? this.#staging.splice(i, 1)[0] : this.device.createBuffer({
      size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      label: "staging",
    });
    this.copy(t.buffer, 0, staging, 0, size);
    this.flush();
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(staging.getMappedRange(0, size).slice(0, bytes));
    staging.unmap();
    if (this.#staging.length < 8) this.#staging.push(staging);
    this.#throwIfFailed();
    return out;
  }

  /** Whether any GPU error was reported (validation, out of memory); cleared by reading. */
  takeError(): string | null {
    const e = this.#error;
    this.#error = null;
    return e;
  }

  #throwIfFailed(): void {
    const e = this.takeError();
    if (e !== null) throw new Error(`WebGPU reported an error (${this.adapter}): ${e}`);
  }

  #layout(pipeline: GPUComputePipeline): GPUBindGroupLayout {
    let layout = this.#layouts.get(pipeline);
    if (!layout) this.#layouts.set(pipeline, layout = pipeline.getBindGroupLayout(0));
    return layout;
  }

  // A buffer holding `data`, written through a mapping at creation (never queue.writeBuffer,
  // which would run before commands still waiting in our encoder).
  #create(data: Float32Array | Uint32Array, usage: number, label: string): GPUBuffer {
    const size = bufferBytes(data.length);
    const b = this.device.createBuffer({ size, usage, label, mappedAtCreation: true });
    const view = data instanceof Float32Array
      ? new Float32Array(b.getMappedRange())
      : new Uint32Array(b.getMappedRange());
    view.set(data);
    b.unmap();
    return b;
  }
}

/**
 * Why no WebGPU device could be opened: `navigator.gpu` is missing (`"api"`) or it found no
 * adapter (`"adapter"`). The message says which; a backend adds what the user can do.
 */
export class GpuUnavailable extends Error {
  constructor(readonly missing: "api" | "adapter") {
    super(missing === "api" ? "navigator.gpu is missing" : "navigator.gpu.requestAdapter() returned null");
  }
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
let shared: Promise<Gpu> | null = null;
let sharedAdapter: Promise<GPUAdapter> | null = null;

/** What a report records about a WebGPU adapter (`GPUAdapterInfo`, as plain data). */
export interface AdapterInfo {
  /** Vendor name, e.g. "nvidia" or "mesa" (may be empty). */
  vendor: string;
  /** GPU family within the vendor, e.g. "hopper" (may be empty). */
  architecture: string;
  /** Vendor-specific device id (may be empty). */
  device: string;
  /** Driver's description, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)" (may be empty). */
  description: string;
  /** True for a software adapter such as Mesa's llvmpipe (usually slower than the CPU backend). */
  isFallbackAdapter: boolean;
}

/**
 * The adapter `navigator.gpu` offers, asked for once per process (the device {@link openGpu}
 * opens comes from it), so a caller can look at it before opening a device.
 *
 * @throws {GpuUnavailable} without `navigator.gpu` or an adapter
 */
export function requestGpuAdapter(): Promise<GPUAdapter> {
  sharedAdapter ??= findAdapter().catch((e) => {
    sharedAdapter = null;
    throw e;
  });
  return sharedAdapter;
}

async function findAdapter(): Promise<GPUAdapter> {
  const api: GPU | undefined = g.navigator?.gpu;
  if (!api) throw new GpuUnavailable("api");
  const adapter = await api.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new GpuUnavailable("adapter");
  return adapter;
}

/** The adapter's info as plain data, `isFallbackAdapter` included. */
export function adapterInfoOf(adapter: GPUAdapter): AdapterInfo {
  const info = adapter.info;
  // deno-lint-ignore no-explicit-any
  const fallback = (info as any).isFallbackAdapter ?? (adapter as any).isFallbackAdapter;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: fallback === true,
  };
}

/**
 * Opens the WebGPU device through `navigator.gpu`, once per process: later calls share it (a
 * failed try is not kept). It asks for the adapter's largest buffers and workgroup memory, not
 * WebGPU's defaults (a 7B model's embedding table alone is 512 MiB).
 *
 * @throws {GpuUnavailable} without `navigator.gpu` or an adapter
 */
export function openGpu(): Promise<Gpu> {
  shared ??= openDevice().catch((e) => {
    shared = null;
    throw e;
  });
  return shared;
}

async function openDevice(): Promise<Gpu> {
  const adapter = await requestGpuAdapter();
  const want = ["maxStorageBufferBindingSize", "maxBufferSize", "maxComputeWorkgroupStorageSize"] as const;
  const requiredLimits: Record<string, number> = {};
  for (const k of want) requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ requiredLimits });
  return new Gpu(device, describeAdapter(adapter));
}

/** e.g. `llvmpipe (LLVM 15.0.6, 256 bits) (software adapter)`. */
function describeAdapter(adapter: GPUAdapter): string {
  const info = adapterInfoOf(adapter);
  const parts = [
    info.description,
    info.vendor && `vendor ${info.vendor}`,
    info.architecture,
    info.device && `device ${info.device}`,
  ];
  const name = info.description || parts.filter(Boolean).join(", ") || "unnamed adapter";
  return info.isFallbackAdapter ? `${name} (software adapter)` : name;
}
