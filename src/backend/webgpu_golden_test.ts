// Golden tests of the WebGPU backend: every sequence of every Llama-family model in
// testdata/golden/llama/* run through the WebGPU forward, compared with the golden logits,
// hidden states (raw convention) and final-norm state, and with the CPU backend's forward.
//
// Tolerance: |gpu - reference| ≤ ATOL + RTOL · |reference| elementwise, ATOL = 1e-4 and
// RTOL = 1e-3 (docs/webgpu.md). On llvmpipe the largest differences are about 2e-5 on logits
// (under a tenth of the tolerance); the CPU backend lands within ~5e-6 of the golden files.
import { test } from "../testing/harness.ts";
import { assertAllClose } from "../testing/assert.ts";
import { LLAMA_MODELS, llamaGolden, modelDir } from "../testing/golden.ts";
import { forward } from "../models/forward.ts";
import { loadModel } from "../models/load.ts";
import { cpu } from "./cpu.ts";
import { webGpuSkip } from "./_testing.ts";
import { createWebGpuOps } from "./webgpu.ts";

const TOL = { atol: 1e-4, rtol: 1e-3 };

const skip = await webGpuSkip();

/** The hidden states [L+1, T, D] as one array. */
function stack(hidden: Float32Array[]): Float32Array {
  const out = new Float32Array(hidden.length * hidden[0].length);
  hidden.forEach((h, i) => out.set(h, i * h.length));
  return out;
}

for (const name of LLAMA_MODELS) {
  test(`the WebGPU forward matches the golden outputs and the CPU forward of ${name}`, async () => {
    const ops = await createWebGpuOps();
    const onGpu = loadModel(modelDir(name), ops);
    const onCpu = loadModel(modelDir(name), cpu);
    for (const seq of llamaGolden(name)) {
      const ids = Int32Array.from(seq.ids);
      const hidden: Float32Array[] = [], cpuHidden: Float32Array[] = [];
      const gpu = await forward(onGpu, ids, { onHidden: async (_i, x) => void hidden.push(await ops.read(x)) });
      const ref = await forward(onCpu, ids, { onHidden: (_i, x) => void cpuHidden.push(x) });
      const logits = await ops.read(gpu.logits!), final = await ops.read(gpu.final!);
      const label = `${name}/${seq.name} (${ops.gpu.adapter})`;

      assertAllClose(logits, seq.logits, { ...TOL, label: `${label} logits vs golden` });
      assertAllClose(final, seq.finalNorm, { ...TOL, label: `${label} final_norm vs golden` });
      assertAllClose(stack(hidden), seq.hiddenRaw, { ...TOL, label: `${label} hidden_raw vs golden` });

      assertAllClose(logits, ref.logits!, { ...TOL, label: `${label} logits vs CPU` });
      assertAllClose(final, ref.final!, { ...TOL, label: `${label} final_norm vs CPU` });
      assertAllClose(stack(hidden), stack(cpuHidden), { ...TOL, label: `${label} hidden_raw vs CPU` });
    }
  }, { skip });
}
