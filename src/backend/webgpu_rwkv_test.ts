// Golden tests of RWKV on the WebGPU backend: the five tiny RWKV models (v4, v5.1, v5.2, v6, v7)
// run through the WebGPU forward and compared with the float64 reference (testdata/golden/rwkv:
// logits and every hidden state X_0..X_L), with rwkv.cpp's logits when fed one byte at a time
// with the state kept on the GPU, and with the CPU backend.
//
// Tolerance: |gpu − reference| ≤ ATOL + RTOL · |reference|, ATOL = 1e-4, RTOL = 1e-3, as for the
// Llama family (docs/webgpu.md). The GPU keeps the WKV state in f32 where the CPU keeps float64;
// on these 12-token sequences that costs less than the f32 matmuls do.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { MAX_HEAD_DIM } from "../../kernels/gpu/attention.ts";
import { MAX_WKV_HEAD_SIZE } from "../../kernels/gpu/rwkv_wkv.ts";
import { UserError } from "../errors.ts";
import { test } from "../testing/harness.ts";
import { assertAllClose } from "../testing/assert.ts";
import { forward } from "../models/forward.ts";
import { loadModel } from "../models/load.ts";
import { newRun } from "../models/model.ts";
import { readF32, RWKV_MODELS } from "../models/rwkv/_fixtures.ts";
import { webGpuSkip } from "./_testing.ts";
import { cpu } from "./cpu.ts";
import { createWebGpuOps, type GpuTensor } from "./webgpu.ts";

const TOL = { atol: 1e-4, rtol: 1e-3 };
const skip = await webGpuSkip();

for (const name of RWKV_MODELS) {
  const dir = `testdata/models/${name}`, golden = `testdata/golden/rwkv/${name}`;

  test(`the WebGPU forward of ${name} matches the float64 reference and the CPU forward`, async () => {
    const ops = await createWebGpuOps();
    const manifest = JSON.parse(readFileSync(`${golden}/manifest.json`, "utf8"));
    const [, T, D] = manifest.files["hidden.bin"].shape as number[];
    const ids = Int32Array.from(manifest.tokens as number[]);
    const hidden = readF32(`${golden}/hidden.bin`); // [L+1,T,D]
    const onGpu = loadModel(dir, ops), onCpu = loadModel(dir, cpu);
    const seen: GpuTensor[] = [];
    const gpu = await forward(onGpu, ids, { onHidden: (_i, x) => void seen.push(x) });
    const cpuHidden: Float32Array[] = [];
    const ref = await forward(onCpu, ids, { onHidden: (_i, x) => void cpuHidden.push(x) });
    const label = `${name} (${ops.gpu.adapter})`;
    for (let i = 0; i < seen.length; i++) {
      const x = await ops.read(seen[i]);
      assertAllClose(x, hidden.subarray(i * T * D, (i + 1) * T * D), { ...TOL, label: `${label} X_${i} vs golden` });
      assertAllClose(x, cpuHidden[i], { ...TOL, label: `${label} X_${i} vs CPU` });
    }
    const logits = await ops.read(gpu.logits!);
    assertAllClose(logits, readF32(`${golden}/logits.bin`), { ...TOL, label: `${label} logits vs golden` });
    assertAllClose(logits, ref.logits!, { ...TOL, label: `${label} logits vs CPU` });
  }, { skip });

  test(`${name} on WebGPU, fed one byte at a time with the state kept, matches rwkv.cpp`, async () => {
    const ops = await createWebGpuOps();
    const model = loadModel(dir, ops);
    const run = newRun<GpuTensor>();
    let last: GpuTensor | undefined;
    for (const id of [34, 105, 110]) last = (await forward(model, Int32Array.of(id), { run, keepState: true })).logits;
    const expected = readF32(`${dir}/expected_logits_rwkvcpp.bin`);
    assertAllClose(await ops.read(last!), expected, { ...TOL, label: `${name} logits vs rwkv.cpp (WebGPU)` });
  }, { skip });
}

test("the WebGPU backend reports a head size or head dim its shaders cannot take as a user error", async () => {
  const ops = await createWebGpuOps();
  const rwkv = ops.rwkv!, S = MAX_WKV_HEAD_SIZE + 1, t = ops.gpu.tensor(S * S);
  const says = (what: string) => (e: unknown) =>
    e instanceof UserError && e.message.includes(what) && e.message.includes("use --backend cpu");
  assert.throws(() => rwkv.wkv5(t, t, t, t, t, t, 1, 1, S), says(`Head size ${S} exceeds`));
  assert.throws(() => rwkv.wkv7(t, t, t, t, t, t, t, 1, 1, S), says(`Head size ${S} exceeds`));
  const Hd = MAX_HEAD_DIM + 1, q = ops.gpu.tensor(Hd);
  assert.throws(() => ops.attention(q, q, q, 1, 1, 1, 1, Hd), says(`Head dim ${Hd} exceeds`));
}, { skip });
