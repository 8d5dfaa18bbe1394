// Golden tests: every sequence and tensor in testdata/golden/llama/* against our forward pass.
// The golden files come from an independent float64 implementation checked against llama2.c
// (testdata/golden/README.md). Tolerance: 1e-4 absolute on logits, hidden states and the
// final-norm state (a correct float32 engine lands within ~5e-5 here).
import { test } from "../testing/harness.ts";
import { assertAllClose } from "../testing/assert.ts";
import { LLAMA_MODELS, llamaGolden, modelDir } from "../testing/golden.ts";
import { forward } from "./forward.ts";
import { loadModel } from "./load.ts";

const ATOL = 1e-4;

for (const name of LLAMA_MODELS) {
  test(`forward() matches the golden logits, hidden states and final norm of ${name}`, async () => {
    const model = loadModel(modelDir(name));
    for (const seq of llamaGolden(name)) {
      const hidden: Float32Array[] = [];
      const { logits, final } = await forward(model, Int32Array.from(seq.ids), {
        onHidden: (_i, x) => void hidden.push(x),
      });
      const label = `${name}/${seq.name}`;
      assertAllClose(logits!, seq.logits, { atol: ATOL, label: `${label} logits` });
      assertAllClose(final!, seq.finalNorm, { atol: ATOL, label: `${label} final_norm` });
      const flat = new Float32Array(seq.hiddenRaw.length);
      hidden.forEach((h, i) => flat.set(h, i * h.length));
      assertAllClose(flat, seq.hiddenRaw, { atol: ATOL, label: `${label} hidden_raw` });
    }
  });
}
