// Block Influence and Relative Magnitude on the WebGPU backend, where the per-token cosines are
// computed on the GPU and only two sums per block and window come back (Ops.changeSums), against
// the CPU backend's per-token float64 path, on every bundled model (Llama family and RWKV),
// window-major and layer-streamed.
//
// Tolerance: atol 1e-6 + rtol 2e-3 on the scores. BI is 1 − cos averaged over tokens, so its
// error is the absolute error of the cosines (f32 dot products over D, ~1e-7) plus that of the
// hidden states themselves (the WebGPU forward differs from the CPU by up to ~2e-5 relative),
// measured against BI values as small as 1e-3 (tiny-rwkv-7v0).
import { test } from "../testing/harness.ts";
import { assertAllClose } from "../testing/assert.ts";
import { loadModel, openModel } from "../models/load.ts";
import { LLAMA_MODELS, modelDir } from "../testing/golden.ts";
import { RWKV_MODELS } from "../models/rwkv/_fixtures.ts";
import { BlockInfluence } from "../importance/block_influence.ts";
import { RelativeMagnitude } from "../importance/relative_magnitude.ts";
import { observeWindows } from "../importance/mod.ts";
import { streamLayers } from "../stream/layer_stream.ts";
import { webGpuSkip } from "./_testing.ts";
import { cpu } from "./cpu.ts";
import { createWebGpuOps } from "./webgpu.ts";

const TOL = { atol: 1e-6, rtol: 2e-3 };
const MODELS = [...LLAMA_MODELS, ...RWKV_MODELS];
const TEXT = new TextEncoder().encode(
  "Once upon a time, there was a little girl named Lily. She loved to play outside.",
);
const skip = await webGpuSkip();

for (const name of MODELS) {
  test(`BI and relmag on WebGPU (sums read back) match the CPU: ${name}`, async () => {
    const ops = await createWebGpuOps();
    const onCpu = loadModel(modelDir(name), cpu);
    const V = onCpu.info.vocabSize;
    const windows = [TEXT.slice(0, 40), TEXT.slice(40)].map((w) => Int32Array.from(w, (b) => b % V));
    const L = onCpu.blocks.length;
    const ref = [new BlockInfluence(L), new RelativeMagnitude(L)];
    await observeWindows(onCpu, windows, ref, "hf");
    const expected = ref.map((m) => m.finish());

    const gpu = [new BlockInfluence(L), new RelativeMagnitude(L)];
    await observeWindows(loadModel(modelDir(name), ops), windows, gpu, "hf");
    const { parts, close } = openModel(modelDir(name), ops);
    const streamed = [new BlockInfluence(L), new RelativeMagnitude(L)];
    try {
      await streamLayers(parts, windows, streamed, { lastHidden: "hf" });
    } finally {
      close();
    }
    ["BI", "relmag"].forEach((what, j) => {
      assertAllClose(gpu[j].finish(), expected[j], { ...TOL, label: `${name} ${what} (WebGPU vs CPU)` });
      assertAllClose(streamed[j].finish(), expected[j], { ...TOL, label: `${name} ${what} (streamed WebGPU vs CPU)` });
    });
  }, { skip });
}
