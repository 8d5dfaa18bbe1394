// The WebGPU backend as a whole: choosing a backend (and saying why WebGPU is not used),
// uploads and reads, the KV-cache path, run-to-run determinism, and GPU errors surfacing.
// Kernel-by-kernel checks against the CPU oracles live in kernels/gpu/*_test.ts; full
// forwards against the golden files in webgpu_golden_test.ts.
import assert from "node:assert/strict";
import { test } from "../testing/harness.ts";
import { assertAllClose } from "../testing/assert.ts";
import { modelDir } from "../testing/golden.ts";
import { UserError } from "../errors.ts";
import { runtimeName } from "../runtime.ts";
import { forward } from "../models/forward.ts";
import { loadModel } from "../models/load.ts";
import { type Block, newRun } from "../models/model.ts";
import { BlockInfluence } from "../importance/block_influence.ts";
import { observeWindows } from "../importance/mod.ts";
import { headSweep } from "../experiments/head_sweep.ts";
import type { GpuTensor } from "./webgpu.ts";
import { cpu } from "./cpu.ts";
import { webGpuSkip } from "./_testing.ts";
import { createWebGpuOps, probeWebGpu, selectBackend } from "./webgpu.ts";

const noGpu = await probeWebGpu(); // null, or why --backend webgpu fails here
const skip = await webGpuSkip();

test("selectBackend('cpu') is the CPU backend and notes nothing", async () => {
  const notes: string[] = [];
  assert.equal(await selectBackend("cpu", (m) => notes.push(m)), cpu);
  assert.deepEqual(notes, []);
});

test("selectBackend('auto') takes WebGPU when there is an adapter, else the CPU with one note saying why", async () => {
  const notes: string[] = [];
  const ops = await selectBackend("auto", (m) => notes.push(m));
  if (noGpu === null) {
    assert.equal(ops.name, "webgpu");
    assert.deepEqual(notes, []);
  } else {
    assert.equal(ops, cpu);
    assert.equal(notes.length, 1);
    assert.match(notes[0], /chose the CPU/);
    assert.ok(notes[0].includes(noGpu), notes[0]);
  }
});

test(
  "selectBackend('webgpu') without an adapter throws a UserError naming the runtime, Deno and --backend cpu",
  async () => {
    await assert.rejects(selectBackend("webgpu", () => {}), (e: unknown) => {
      assert.ok(e instanceof UserError, String(e));
      assert.ok(e.message.includes(runtimeName()), e.message);
      assert.match(e.message, /Deno has WebGPU built in/);
      assert.match(e.message, /--backend cpu/);
      return true;
    });
  },
  { skip: noGpu === null ? "a WebGPU adapter is available here" : undefined },
);

test("read() returns what upload() was given, at lengths that are not multiples of 4", async () => {
  const ops = await createWebGpuOps();
  for (const n of [1, 3, 5, 17, 1001]) {
    const data = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);
    assert.deepEqual(await ops.read(ops.upload(data)), data);
  }
  const sub = new Float32Array([9, 8, 7, 6, 5]).subarray(1, 4); // a view with an offset, as W_pack's q/k/v
  assert.deepEqual(await ops.read(ops.upload(sub)), new Float32Array([8, 7, 6]));
}, { skip });

test("pipelines are cached under readable keys that are also their labels", async () => {
  const { gpu } = await createWebGpuOps();
  const a = gpu.pipeline("rmsnorm", { WG: 64 });
  assert.equal(gpu.pipeline("rmsnorm", { WG: 64 }), a);
  assert.equal(a.label, "rmsnorm|f32|WG=64");
  assert.ok(gpu.pipelineKeys.includes("rmsnorm|f32|WG=64"));
}, { skip });

test("the WebGPU backend decodes token by token with a KV cache as the CPU backend does", async () => {
  const ops = await createWebGpuOps();
  const onGpu = loadModel(modelDir("stories260K"), ops), onCpu = loadModel(modelDir("stories260K"), cpu);
  const runGpu = newRun<unknown>(), runCpu = newRun<Float32Array>();
  const steps = [[1, 403, 407, 261, 378, 410, 260], [285], [263], [402, 270]];
  for (const [s, ids] of steps.entries()) {
    const x = Int32Array.from(ids);
    // deno-lint-ignore no-explicit-any
    const g = await forward(onGpu, x, { run: runGpu as any, keepState: true });
    const c = await forward(onCpu, x, { run: runCpu, keepState: true });
    assertAllClose(await ops.read(g.logits!), c.logits!, { atol: 1e-4, rtol: 1e-3, label: `step ${s} logits` });
  }
  assert.equal(runGpu.pos0, 11);
}, { skip });

test("the WebGPU forward gives identical logits run to run", async () => {
  const ops = await createWebGpuOps();
  const model = loadModel(modelDir("babyllama105"), ops);
  const ids = Int32Array.from({ length: 40 }, (_, i) => (i * 37 + 5) % 105);
  const a = await ops.read((await forward(model, ids)).logits!);
  const b = await ops.read((await forward(model, ids)).logits!);
  assert.deepEqual(a, b);
}, { skip });

test("a GPU validation error surfaces as an exception on the next read()", async () => {
  const ops = await createWebGpuOps();
  const { gpu } = ops;
  // add.wgsl expects 3 bindings; give it 2
  gpu.dispatch(gpu.pipeline("add", { WG: 256 }), [gpu.uniform([4]), gpu.tensor(4).buffer], [1]);
  await assert.rejects(ops.read(ops.upload(new Float32Array(4))), /WebGPU reported an error/);
  assert.equal(gpu.takeError(), null); // reported once
  assert.deepEqual(await ops.read(ops.upload(new Float32Array([1, 2]))), new Float32Array([1, 2]));
}, { skip });

test("release() hands an activation's buffer to the next tensor of its size, never a weight's", async () => {
  const ops = await createWebGpuOps();
  const { gpu } = ops;
  const a = gpu.tensor(12345);
  const buffer = a.buffer;
  ops.release(a);
  const b = gpu.tensor(12345);
  assert.equal(b.buffer, buffer);
  const w = ops.upload(new Float32Array(12345));
  ops.release(w); // not from the pool: ignored
  assert.notEqual(gpu.tensor(12345).buffer, w.buffer);
  ops.release(b);
  ops.release(b); // twice: ignored
  assert.equal(gpu.tensor(12345).buffer, buffer);
  assert.notEqual(gpu.tensor(12345).buffer, buffer);
}, { skip });

test("a Llama layer releases its intermediates: a forward takes few new buffers beyond its outputs", async () => {
  const ops = await createWebGpuOps();
  const model = loadModel(modelDir("bytellama-12L"), ops);
  const ids = Int32Array.from([79, 110, 99, 101, 32, 117, 112, 111, 110]);
  const ref = await ops.read((await forward(model, ids)).logits!); // warms the pool
  const before = ops.gpu.poolStats.created;
  const again = await ops.read((await forward(model, ids)).logits!);
  const created = ops.gpu.poolStats.created - before;
  // Each layer keeps only its output X_{i+1} (the caller may hold it); q, k, v, attention, the
  // FFN's [T,F] arrays and the residual A go back to the pool inside the layer.
  const L = model.blocks.length;
  assert.ok(created <= L + 4, `a second forward made ${created} new buffers for ${L} layers`);
  assertAllClose(again, ref, { atol: 0, label: "same logits with buffers reused" });
}, { skip });

test("an overflowing layer on the GPU is named: by forward's one-number check, and by the BI sums", async () => {
  const ops = await createWebGpuOps();
  const model = loadModel(modelDir("stories260K"), ops);
  const ids = Int32Array.from([1, 403, 407, 261]);
  const D = model.info.hiddenSize;
  const overflow: Block<GpuTensor> = {
    originalIndex: 7,
    forward: (_x, T) => ops.upload(new Float32Array(T * D).fill(Infinity)),
  };
  model.blocks.splice(2, 0, overflow);
  const named = (e: unknown) => e instanceof UserError && /output of layer 7 holds/.test(e.message);
  await assert.rejects(forward(model, ids), named);
  await assert.rejects(observeWindows(model, [ids], [new BlockInfluence(model.blocks.length)], "raw"), named);
}, { skip });

test("hidden states stay on the GPU: a forward reads back one number, BI two per layer", async () => {
  const ops = await createWebGpuOps();
  const sizes: number[] = [];
  const counted = { ...ops, read: (a: GpuTensor) => (sizes.push(a.length), ops.read(a)) };
  const model = loadModel(modelDir("bytellama-12L"), counted);
  const ids = Int32Array.from([79, 110, 99, 101, 32, 117, 112, 111, 110]);
  await forward(model, ids, { hiddenOnly: true });
  assert.deepEqual(sizes, [1], "forward: the overflow check only");
  sizes.length = 0;
  const L = model.blocks.length;
  await observeWindows(model, [ids, ids.slice(0, 5)], [new BlockInfluence(L)], "hf");
  assert.deepEqual(sizes, [2 * L, 2 * L], "BI: one [L,2] read per window");
}, { skip });

test("dispose() destroys a weight (later use is a GPU error) and pools an activation", async () => {
  const ops = await createWebGpuOps();
  const w = ops.upload(new Float32Array([1, 2, 3]));
  ops.dispose(w);
  await assert.rejects(ops.read(w), /WebGPU reported an error/);
  const a = ops.gpu.tensor(777);
  const buffer = a.buffer;
  ops.dispose(a);
  assert.equal(ops.gpu.tensor(777).buffer, buffer);
  const b = ops.gpu.tensor(778); // released, then disposed: still an activation, not destroyed
  ops.release(b);
  ops.dispose(b);
  const reused = ops.gpu.tensor(778);
  assert.equal(reused.buffer, b.buffer);
  assert.equal((await ops.read(reused)).length, 778); // a destroyed buffer would make this a GPU error
}, { skip });

test("head-sweep on the GPU (each masked o_proj disposed after its run) matches the CPU", async () => {
  const ops = await createWebGpuOps();
  const windows = [Int32Array.from([1, 403, 407, 261, 378, 432, 380, 395])];
  const onCpu = await headSweep(loadModel(modelDir("stories260K"), cpu), windows, { layers: [1] });
  const onGpu = await headSweep(loadModel(modelDir("stories260K"), ops), windows, { layers: [1] });
  assertAllClose(onGpu.ppl.flat() as number[], onCpu.ppl.flat() as number[], {
    atol: 0,
    rtol: 1e-4,
    label: "head-sweep ppl",
  });
}, { skip });
