/**
 * The WebGPU backend: {@link Ops} on GPU buffers, each op one dispatch of a shader in
 * `kernels/wgsl/` through its dispatcher in `kernels/gpu/`. The CPU backend
 * (`src/backend/cpu.ts`) is its oracle.
 *
 * - **Device.** One per process, opened on first use through `navigator.gpu` (Deno has it
 *   built in, behind `--unstable-webgpu`; Node and Bun have none). Without an adapter,
 *   {@link createWebGpuOps} throws a {@link UserError} that says why and suggests
 *   `--backend cpu`; {@link selectBackend} with `"auto"` falls back to the CPU and says so.
 * - **Pipelines** are cached by a readable key that is also their label, e.g.
 *   `matmul|f32|WG_X=16,WG_Y=16` (see `kernels/gpu/device.ts`).
 * - **Buffers.** Weights are uploaded once ({@link Ops.upload}); activations come from a pool
 *   and go back to it when their handle is garbage collected, or at once through
 *   {@link WebGpuOps.release} (`kernels/gpu/_pool.ts`).
 * - **Work** is recorded into one command encoder and submitted every 64 dispatches or when
 *   a result is read; ops return their output handle at once and only {@link Ops.read} waits.
 *
 * @example
 * ```ts
 * import { selectBackend } from "./webgpu.ts";
 * import { loadModel } from "../models/load.ts";
 * import { forward } from "../models/forward.ts";
 * const ops = await selectBackend("auto", (msg) => console.error(msg));
 * const model = loadModel("testdata/models/stories260K", ops);
 * const { logits } = await forward(model, new Int32Array([1, 403, 407]));
 * const values = await ops.read(logits!); // Float32Array [T·V]
 * ```
 *
 * @module
 */
import { addInPlace } from "../../kernels/gpu/add.ts";
import { blockChangeSums } from "../../kernels/gpu/block_change.ts";
import { anyNonFinite } from "../../kernels/gpu/nonfinite.ts";
import { attention, attentionHeadDimProblem } from "../../kernels/gpu/attention.ts";
import { concatRows } from "../../kernels/gpu/concat_rows.ts";
import { embeddingGather } from "../../kernels/gpu/embedding.ts";
import { layernorm } from "../../kernels/gpu/layernorm.ts";
import { matmul } from "../../kernels/gpu/matmul.ts";
import { gptqLinear, type GpuGptq, uploadGptq } from "../../kernels/gpu/gptq_linear.ts";
import { rmsnorm } from "../../kernels/gpu/rmsnorm.ts";
import { rope } from "../../kernels/gpu/rope.ts";
import { swiglu } from "../../kernels/gpu/swiglu.ts";
import { UserError } from "../errors.ts";
import { runtimeName } from "../runtime.ts";
import { cpu } from "./cpu.ts";
import type { Ops } from "./ops.ts";
import { webGpuRwkv } from "./rwkv_webgpu.ts";
import { refuseOnGpu } from "./_refuse.ts";
import {
  type AdapterInfo,
  adapterInfoOf,
  Gpu,
  GpuTensor,
  GpuUnavailable,
  openGpu,
  requestGpuAdapter,
} from "../../kernels/gpu/device.ts";

export { type AdapterInfo, Gpu, GpuTensor };

/** The WebGPU {@link Ops}, with the device underneath for benchmarks and kernel tests. */
export interface WebGpuOps extends Ops<GpuTensor> {
  /** Always "webgpu". */
  readonly name: "webgpu";
  /** The device and its pipeline and buffer caches. */
  readonly gpu: Gpu;
  /** The adapter the device came from, as reports record it. */
  readonly adapterInfo: AdapterInfo;
  /**
   * Hint that activation `a` is dead: its buffer goes back to the pool now rather than when
   * the garbage collector finds the handle (which can take hundreds of tensors). Using `a`
   * afterwards is a bug. Weights are never released this way.
   */
  release(a: GpuTensor): void;
  /** Frees `a` for good, a weight included (see {@link Ops.dispose}). */
  dispose(a: GpuTensor): void;
}

let shared: Promise<WebGpuOps> | null = null;

/**
 * Opens the WebGPU device (once per process; later calls return the same backend).
 *
 * @throws {WebGpuUnavailable} (a {@link UserError}) when `navigator.gpu` is missing or no
 *   adapter is found, saying which runtime this is, that Deno has WebGPU built in, and to use
 *   `--backend cpu`
 */
export function createWebGpuOps(): Promise<WebGpuOps> {
  shared ??= openDevice().catch((e) => {
    shared = null;
    throw e;
  });
  return shared;
}

/**
 * Why WebGPU cannot be used here: `reason` says what is missing, the message adds what to do
 * (Deno has WebGPU built in; `--backend cpu`).
 */
export class WebGpuUnavailable extends UserError {
  /**
   * The message is `${reason}. ${advice}`.
   *
   * @param reason what is missing, e.g. "WebGPU is not available in node 20 (navigator.gpu is missing)"
   * @param advice what to do instead
   */
  constructor(readonly reason: string, advice: string) {
    super(`${reason}. ${advice}`);
  }
}

/**
 * `null` when a WebGPU adapter is available, else the reason none is (for test skips).
 *
 * @example
 * ```ts
 * import { probeWebGpu } from "./webgpu.ts";
 * const why = await probeWebGpu(); // e.g. "WebGPU is not available in node 20.20.2 (navigator.gpu is missing)"
 * ```
 */
export async function probeWebGpu(): Promise<string | null> {
  try {
    await createWebGpuOps();
    return null;
  } catch (e) {
    if (e instanceof WebGpuUnavailable) return e.reason;
    throw e;
  }
}

/**
 * The backend named on the command line. `"auto"` takes WebGPU when a hardware adapter is found
 * (a software fallback adapter only with `allowSoftware`), else the CPU, and then calls `note`
 * once with the reason (the CLI prints it on stderr).
 *
 * @throws {WebGpuUnavailable} (a {@link UserError}) for `"webgpu"` without an adapter
 * @throws {UserError} for an unknown name
 *
 * @example
 * ```ts
 * import { selectBackend } from "./webgpu.ts";
 * const ops = await selectBackend("auto", (msg) => console.error(msg));
 * console.log(ops.name); // "webgpu" or "cpu"
 * ```
 */
export async function selectBackend(
  name: "cpu" | "webgpu" | "auto",
  note: (msg: string) => void,
  opts: { allowSoftware?: boolean } = {},
): Promise<Ops<unknown>> {
  switch (name) {
    case "cpu":
      return cpu as Ops<unknown>;
    case "webgpu":
      return await createWebGpuOps() as Ops<unknown>;
    case "auto":
      try {
        const info = await findAdapterInfo();
        if (info.isFallbackAdapter && !opts.allowSoftware) {
          note(
            `--backend auto chose the CPU: the only WebGPU adapter (${info.description || "unnamed"}) is a software ` +
              "fallback, usually slower than the CPU path; pass --allow-software-gpu to use it anyway",
          );
          return cpu as Ops<unknown>;
        }
        return await createWebGpuOps() as Ops<unknown>;
      } catch (e) {
        if (!(e instanceof WebGpuUnavailable)) throw e;
        note(`--backend auto chose the CPU: ${e.reason}`);
        return cpu as Ops<unknown>;
      }
    default:
      throw new UserError(`Unknown backend "${name}": expected cpu, webgpu or auto`);
  }
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** The info of the adapter a device would come from, without opening the device. */
async function findAdapterInfo(): Promise<AdapterInfo> {
  try {
    return adapterInfoOf(await requestGpuAdapter());
  } catch (e) {
    throw unavailable(e);
  }
}

async function openDevice(): Promise<WebGpuOps> {
  try {
    const gpu = await openGpu();
    return makeOps(gpu, adapterInfoOf(await requestGpuAdapter()));
  } catch (e) {
    throw unavailable(e);
  }
}

/** A {@link GpuUnavailable} as the user error that says what to do; other errors unchanged. */
function unavailable(e: unknown): unknown {
  if (!(e instanceof GpuUnavailable)) return e;
  const runtime = runtimeName();
  if (e.missing === "api") {
    const how = g.Deno
      ? "Deno has WebGPU built in: run it with --unstable-webgpu (deno run -A --unstable-webgpu src/cli.ts ...)"
      : "Deno has WebGPU built in: run shortgpt there with `deno run -A --unstable-webgpu src/cli.ts ...`";
    return new WebGpuUnavailable(
      `WebGPU is not available in ${runtime} (${e.message})`,
      `${how}, or use --backend cpu`,
    );
  }
  return new WebGpuUnavailable(
    `No WebGPU adapter found in ${runtime} (${e.message})`,
    "Deno has WebGPU built in, but it needs a usable GPU driver (Vulkan, Metal or D3D12) or a software " +
      "one such as Mesa's llvmpipe; use --backend cpu",
  );
}

function makeOps(gpu: Gpu, adapterInfo: AdapterInfo): WebGpuOps {
  const invFreqs = new WeakMap<Float64Array, GpuTensor>(); // RoPE frequencies, uploaded once per array
  return {
    name: "webgpu",
    gpu,
    adapterInfo,
    upload(data) {
      refuseOnGpu(gpu.uploadProblem(data));
      return gpu.upload(data);
    },
    read: (a) => gpu.read(a),
    release: (a) => gpu.release(a),
    dispose: (a) => gpu.dispose(a),
    embed(table, ids, D) {
      const out = gpu.tensor(ids.length * D);
      embeddingGather(gpu, out, table, ids, D);
      return out;
    },
    linear(x, w, T, K, N, bias) {
      const out = gpu.tensor(T * N);
      matmul(gpu, out, x, w, T, K, N, bias);
      return out;
    },
    uploadGptq(p) {
      for (const a of [p.qweight, p.qzeros, p.scales, p.g_idx]) {
        refuseOnGpu(gpu.uploadProblem(new Uint32Array(a.buffer, a.byteOffset, a.length)));
      }
      return { gptq: p, device: uploadGptq(gpu, p) };
    },
    linearGptq(x, w, T, bias) {
      const out = gpu.tensor(T * w.gptq.N);
      gptqLinear(gpu, out, x, w.device as GpuGptq, T, bias);
      return out;
    },
    rmsnorm(x, weight, T, D, eps) {
      const out = gpu.tensor(T * D);
      rmsnorm(gpu, out, x, weight, T, D, eps);
      return out;
    },
    layernorm(x, weight, bias, T, D, eps) {
      const out = gpu.tensor(T * D);
      layernorm(gpu, out, x, weight, bias, T, D, eps);
      return out;
    },
    rope(x, T, H, Hd, pos0, invFreq, scale = 1) {
      let f = invFreqs.get(invFreq);
      if (!f) invFreqs.set(invFreq, f = gpu.upload(Float32Array.from(invFreq), "inv_freq"));
      rope(gpu, x, T, H, Hd, pos0, f, scale);
    },
    attention(q, k, v, Tq, Tk, H, Hkv, Hd, opts) {
      refuseOnGpu(attentionHeadDimProblem(Hd));
      const out = gpu.tensor(Tq * H * Hd);
      attention(gpu, out, q, k, v, Tq, Tk, H, Hkv, Hd, opts);
      return out;
    },
    swiglu(gate, up, n) {
      const out = gpu.tensor(n);
      swiglu(gpu, out, gate, up, n);
      return out;
    },
    addInPlace: (x, y, n) => addInPlace(gpu, x, y, n),
    concatRows(a, b, Ta, Tb, C) {
      const out = gpu.tensor((Ta + Tb) * C);
      concatRows(gpu, out, a, b, Ta, Tb, C);
      return out;
    },
    changeSums: (x, y, T, D, out, slot) => blockChangeSums(gpu, out, x, y, T, D, slot),
    anyNonFinite(x, n) {
      const out = gpu.tensor(1);
      anyNonFinite(gpu, out, x, n);
      return out;
    },
    rwkv: webGpuRwkv(gpu),
  };
}
