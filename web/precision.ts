/**
 * Where a WebGPU implementation's float32 arithmetic departs from the CPU backend, in two views
 * (docs/browser.md "WebGPU in Chromium"):
 *
 * - {@link builtinErrors}: the WGSL built-ins our shaders use (`exp`, `sin`, `cos`, `sqrt`,
 *   division), each on inputs over the range the kernels feed it, against the correctly
 *   rounded float32 value (JavaScript's float64 `Math` rounded), in units in the last place
 *   (ULP) or absolute; and whether `a * b + c` is contracted into one fused multiply-add.
 * - {@link kernelErrors}: one model forward in which every op runs on the CPU backend and, from
 *   the very same inputs, on the WebGPU backend; the error each kernel adds by itself (not
 *   carried from earlier layers), worst over the forward, per op.
 *
 * Runs wherever `navigator.gpu` gives an adapter: Deno (scripts/webgpu_precision.ts) and the
 * page (scripts/browser_check.mjs --webgpu-forward prints both tables).
 *
 * @module
 */
import { cpu } from "../src/backend/cpu.ts";
import type { Ops } from "../src/backend/ops.ts";
import type { WebGpuOps } from "../src/backend/webgpu.ts";
import { forward } from "../src/models/forward.ts";
import type { CausalLM } from "../src/models/model.ts";
import type { GpuTensor } from "../kernels/gpu/device.ts";

/** One built-in's error over its inputs: worst in ULPs of the exact result, and worst absolute. */
export interface BuiltinError {
  fn: string;
  /** The inputs' range, e.g. `x in [-30, 0]`. */
  inputs: string;
  maxUlp: number;
  maxAbs: number;
  /** The input where the ULP error is worst. */
  worstAt: number;
}

/** A float32's unit in the last place (2^-149 for subnormals and 0). */
function ulp(v: number): number {
  const a = Math.abs(Math.fround(v));
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23) * (a >= 2 ** Math.ceil(Math.log2(a)) ? 2 : 1);
}

const N = 1 << 16;

/** Inputs spread evenly over [lo, hi], rounded to float32. */
function spread(lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: N }, (_, i) => lo + (hi - lo) * i / (N - 1));
}

/** The built-ins, each with an input range (what the kernels feed it) and its exact value in float64. */
const BUILTINS: { fn: string; wgsl: string; inputs: string; x: () => Float32Array; exact: (x: number) => number }[] = [
  // attention.wgsl: exp(s - m) ≤ 1 and exp(m_old - m_new); swiglu.wgsl: exp(-g)
  { fn: "exp", wgsl: "exp(x)", inputs: "x in [-30, 0]", x: () => spread(-30, 0), exact: Math.exp },
  { fn: "exp", wgsl: "exp(x)", inputs: "x in [0, 20]", x: () => spread(0, 20), exact: Math.exp },
  // rope.wgsl: the angle is first brought into [-π, π]
  { fn: "sin", wgsl: "sin(x)", inputs: "x in [-π, π]", x: () => spread(-Math.PI, Math.PI), exact: Math.sin },
  { fn: "cos", wgsl: "cos(x)", inputs: "x in [-π, π]", x: () => spread(-Math.PI, Math.PI), exact: Math.cos },
  // rmsnorm.wgsl: 1 / sqrt(mean square + eps)
  { fn: "sqrt", wgsl: "sqrt(x)", inputs: "x in [1e-3, 1e3]", x: () => spread(1e-3, 1e3), exact: Math.sqrt },
  { fn: "1 / x", wgsl: "1.0 / x", inputs: "x in [1e-3, 1e3]", x: () => spread(1e-3, 1e3), exact: (x) => 1 / x },
];

/** Runs `y[i] = EXPR` over `x` on `device` and reads y back. */
async function evaluate(
  device: GPUDevice,
  expr: string,
  x: Float32Array,
  extra?: Float32Array[],
): Promise<Float32Array> {
  const names = ["x", "b", "c"].slice(0, 1 + (extra?.length ?? 0));
  const code = names.map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<f32>;`).join("\n") +
    `\n@group(0) @binding(${names.length}) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i >= arrayLength(&y)) { return; }
  ${names.map((n) => `let ${n}_ = ${n}[i];`).join(" ")}
  y[i] = ${expr.replace(/\b(x|b|c)\b/g, "$1_")};
}`;
  const pipeline = device.createComputePipeline({
    layout: "auto",
    compute: { module: device.createShaderModule({ code }), entryPoint: "main" },
  });
  const inputs = [x, ...(extra ?? [])].map((a) => {
    const buf = device.createBuffer({ size: a.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buf, 0, a as Float32Array<ArrayBuffer>);
    return buf;
  });
  const out = device.createBuffer({ size: x.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({ size: x.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(
    0,
    device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [...inputs, out].map((buffer, binding) => ({ binding, resource: { buffer } })),
    }),
  );
  pass.dispatchWorkgroups(Math.ceil(x.length / 64));
  pass.end();
  enc.copyBufferToBuffer(out, 0, staging, 0, x.byteLength);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const y = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  for (const b of [...inputs, out, staging]) b.destroy();
  return y;
}

/**
 * The error of each WGSL built-in the kernels use, on `device`, and whether the compiler fuses
 * `a * b + c` (`fma`: the share of 4096 products whose result is the fused one where fused and
 * unfused differ).
 */
export async function builtinErrors(device: GPUDevice): Promise<{ builtins: BuiltinError[]; fusedShare: number }> {
  const builtins: BuiltinError[] = [];
  for (const b of BUILTINS) {
    const x = b.x(), y = await evaluate(device, b.wgsl, x);
    let maxUlp = 0, maxAbs = 0, worstAt = x[0];
    for (let i = 0; i < x.length; i++) {
      const want = b.exact(x[i]), err = Math.abs(y[i] - want);
      maxAbs = Math.max(maxAbs, err);
      if (err / ulp(want) > maxUlp) [maxUlp, worstAt] = [err / ulp(want), x[i]];
    }
    builtins.push({ fn: b.fn, inputs: b.inputs, maxUlp, maxAbs, worstAt });
  }
  // a·b is exact in float64 (24 + 24 bits), so fround(a·b + c) is the fused result (a double
  // rounding can differ in rare ties) and fround(fround(a·b) + c) the unfused one.
  let seed = 1;
  const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647 * 2 - 1;
  const a = Float32Array.from({ length: 4096 }, rand), bb = Float32Array.from({ length: 4096 }, rand);
  const c = Float32Array.from({ length: 4096 }, rand);
  const y = await evaluate(device, "x * b + c", a, [bb, c]);
  let differ = 0, fused = 0;
  for (let i = 0; i < a.length; i++) {
    const f = Math.fround(a[i] * bb[i] + c[i]), u = Math.fround(Math.fround(a[i] * bb[i]) + c[i]);
    if (f === u) continue;
    differ++;
    if (y[i] === f) fused++;
  }
  return { builtins, fusedShare: differ === 0 ? 0 : fused / differ };
}

/** The error one op adds by itself, worst over the forward's calls of it. */
export interface KernelError {
  op: string;
  calls: number;
  /** Worst |gpu − cpu| over all elements of all calls. */
  maxAbs: number;
  /** Worst |gpu − cpu| / max |cpu| of the same call (the error relative to the output's scale). */
  maxRel: number;
}

/** A handle of the shadow backend: the CPU array, and the same array on the GPU once uploaded. */
interface Twin {
  c: Float32Array;
  g?: GpuTensor;
}

/**
 * Runs `model` (loaded on the {@link shadowOps} backend) on `ids` and returns, per op, the error
 * the WebGPU kernel makes from exactly the CPU's inputs. Logits are compared too (`head`).
 */
export async function kernelErrors(
  load: (ops: Ops<unknown>) => CausalLM<unknown>,
  ids: Int32Array,
  gpu: WebGpuOps,
): Promise<KernelError[]> {
  const pending: Promise<void>[] = [];
  const stats = new Map<string, KernelError>();
  const record = (op: string, want: Float32Array, got: GpuTensor) => {
    const copy = want.slice();
    pending.push(
      gpu.read(got).then((g) => {
        let maxAbs = 0, scale = 0;
        for (let i = 0; i < copy.length; i++) {
          maxAbs = Math.max(maxAbs, Math.abs(g[i] - copy[i]));
          scale = Math.max(scale, Math.abs(copy[i]));
        }
        const s = stats.get(op) ?? { op, calls: 0, maxAbs: 0, maxRel: 0 };
        s.calls++;
        s.maxAbs = Math.max(s.maxAbs, maxAbs);
        s.maxRel = Math.max(s.maxRel, scale === 0 ? 0 : maxAbs / scale);
        stats.set(op, s);
      }),
    );
  };
  const on = (t: Twin) => t.g ?? gpu.upload(t.c); // weights keep their upload; activations go up fresh
  const c = cpu;
  const shadow: Ops<Twin> = {
    name: "cpu",
    upload: (data) => ({ c: c.upload(data), g: gpu.upload(data) }),
    read: (a) => Promise.resolve(a.c),
    embed(table, ids, D) {
      const out = { c: c.embed(table.c, ids, D) };
      record("embed", out.c, gpu.embed(on(table), ids, D));
      return out;
    },
    linear(x, w, T, K, N, bias) {
      const out = { c: c.linear(x.c, w.c, T, K, N, bias?.c) };
      record(`linear ${N}x${K}`, out.c, gpu.linear(on(x), on(w), T, K, N, bias && on(bias)));
      return out;
    },
    uploadGptq: () => {
      throw new Error("kernelErrors() compares float models only");
    },
    linearGptq: () => {
      throw new Error("kernelErrors() compares float models only");
    },
    rmsnorm(x, w, T, D, eps) {
      const out = { c: c.rmsnorm(x.c, w.c, T, D, eps) };
      record("rmsnorm", out.c, gpu.rmsnorm(on(x), on(w), T, D, eps));
      return out;
    },
    layernorm(x, w, b, T, D, eps) {
      const out = { c: c.layernorm(x.c, w.c, b.c, T, D, eps) };
      record("layernorm", out.c, gpu.layernorm(on(x), on(w), on(b), T, D, eps));
      return out;
    },
    rope(x, T, H, Hd, pos0, invFreq, scale) {
      const g = gpu.upload(x.c);
      c.rope(x.c, T, H, Hd, pos0, invFreq, scale);
      gpu.rope(g, T, H, Hd, pos0, invFreq, scale);
      record("rope", x.c, g);
    },
    attention(q, k, v, Tq, Tk, H, Hkv, Hd, opts) {
      if (opts?.alibiSlopes) throw new Error("kernelErrors() does not compare ALiBi");
      const out = { c: c.attention(q.c, k.c, v.c, Tq, Tk, H, Hkv, Hd, opts as undefined) };
      record("attention", out.c, gpu.attention(on(q), on(k), on(v), Tq, Tk, H, Hkv, Hd, opts as undefined));
      return out;
    },
    swiglu(gate, up, n) {
      const out = { c: c.swiglu(gate.c, up.c, n) };
      record("swiglu", out.c, gpu.swiglu(on(gate), on(up), n));
      return out;
    },
    addInPlace(x, y, n) {
      const g = gpu.upload(x.c);
      c.addInPlace(x.c, y.c, n);
      gpu.addInPlace(g, on(y), n);
      record("add", x.c, g);
    },
    concatRows: (a, b, Ta, Tb, C) => ({ c: c.concatRows(a.c, b.c, Ta, Tb, C) }),
    changeSums: (x, y, T, D, out, slot) => c.changeSums(x.c, y.c, T, D, out.c, slot),
    anyNonFinite: (x, n) => ({ c: c.anyNonFinite(x.c, n) }),
  };
  const model = load(shadow as Ops<unknown>);
  await forward(model, ids);
  await Promise.all(pending);
  return [...stats.values()];
}

/**
 * The error carried into each hidden state X_i (i = 0 the embedding, L the last block's
 * output) and the logits when the whole forward runs on the GPU: max |gpu − cpu| and that over
 * max |cpu|, per X_i.
 */
export async function hiddenErrors(
  cpuModel: CausalLM<Float32Array>,
  gpuModel: CausalLM<GpuTensor>,
  ids: Int32Array,
): Promise<{ at: string; maxAbs: number; maxRel: number }[]> {
  const want: Float32Array[] = [], got: Float32Array[] = [];
  const c = await forward(cpuModel, ids, { onHidden: (_, x) => void want.push(x.slice()) });
  const g = await forward(gpuModel, ids, {
    onHidden: async (_, x) => void got.push(await gpuModel.ops.read(x)),
  });
  want.push(c.logits!);
  got.push(await gpuModel.ops.read(g.logits!));
  return want.map((w, i) => {
    let maxAbs = 0, scale = 0;
    for (let j = 0; j < w.length; j++) {
      maxAbs = Math.max(maxAbs, Math.abs(got[i][j] - w[j]));
      scale = Math.max(scale, Math.abs(w[j]));
    }
    return { at: i === want.length - 1 ? "logits" : `X_${i}`, maxAbs, maxRel: maxAbs / scale };
  });
}

/** Everything above for one model and window: what scripts/webgpu_precision.ts and the page print. */
export async function precisionReport(
  load: <A>(ops: Ops<A>) => CausalLM<A>,
  ids: Int32Array,
  gpu: WebGpuOps,
): Promise<{
  adapter: string;
  builtins: BuiltinError[];
  fusedShare: number;
  kernels: KernelError[];
  hidden: { at: string; maxAbs: number; maxRel: number }[];
}> {
  const { builtins, fusedShare } = await builtinErrors(gpu.gpu.device);
  const kernels = await kernelErrors(load, ids, gpu);
  const hidden = await hiddenErrors(load(cpu), load(gpu), ids);
  return { adapter: gpu.gpu.adapter, builtins, fusedShare, kernels, hidden };
}
