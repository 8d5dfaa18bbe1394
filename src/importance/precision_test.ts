// --precision fast against exact on every bundled model: the agreement docs/performance.md
// ("Precision") promises. Logits within 1e-4, BI within 1e-5, the same BI removal order (pairs
// of layers whose exact BI differ by less than 1e-6 aside), perplexity within 1e-5 relative.
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { getPrecision, type Precision, setPrecision } from "../backend/cpu.ts";
import { wasmSimdAvailable } from "../../kernels/cpu/matmul_wasm.ts";
import { perplexity } from "../eval/perplexity.ts";
import { forward } from "../models/forward.ts";
import { loadModel } from "../models/load.ts";
import { test } from "../testing/harness.ts";
import { computeImportance, parseMetric } from "./mod.ts";

const MODELS = "testdata/models";
const models = readdirSync(MODELS).filter((m) => statSync(`${MODELS}/${m}`).isDirectory()).sort();

/** Runs `fn` at precision `p`, then restores the one before. */
async function at<R>(p: Precision, fn: () => Promise<R>): Promise<R> {
  const before = getPrecision();
  setPrecision(p);
  try {
    return await fn();
  } finally {
    setPrecision(before);
  }
}

for (const name of models) {
  test(`--precision fast agrees with exact on ${name}: logits, BI, removal order, perplexity`, async () => {
    const model = loadModel(`${MODELS}/${name}`);
    const V = model.info.vocabSize;
    // two windows of 48 token ids spread over the vocabulary
    const windows = [0, 1].map((w) => Int32Array.from({ length: 48 }, (_, i) => (i * 7919 + w * 104729 + 1) % V));
    const run = () =>
      at(getPrecision(), async () => ({
        logits: await model.ops.read((await forward(model, windows[0])).logits!),
        bi: await computeImportance(model, windows, parseMetric("bi")),
        ppl: (await perplexity(model, windows)).ppl,
      }));
    const exact = await at("exact", run), fast = await at("fast", run);

    let worst = 0, where = 0;
    exact.logits.forEach((v, i) => {
      const d = Math.abs(fast.logits[i] - v);
      if (d > worst) [worst, where] = [d, i];
    });
    assert.ok(worst > 0, "fast gave exact's bits: the fast kernel did not run");
    assert.ok(
      worst <= 1e-4,
      `logits[${where}]: exact ${exact.logits[where]}, fast ${fast.logits[where]} (|Δ| ${worst} > 1e-4)`,
    );

    const L = exact.bi.scores.length;
    for (let i = 0; i < L; i++) {
      const d = Math.abs(fast.bi.scores[i] - exact.bi.scores[i]);
      assert.ok(
        d <= 1e-5,
        `BI of layer ${i}: exact ${exact.bi.scores[i]}, fast ${fast.bi.scores[i]} (|Δ| ${d} > 1e-5)`,
      );
    }
    const rank = (order: number[]) => order.reduce((r, layer, k) => (r[layer] = k, r), new Array<number>(L));
    const re = rank(exact.bi.order), rf = rank(fast.bi.order);
    for (let i = 0; i < L; i++) {
      for (let j = i + 1; j < L; j++) {
        if (Math.abs(exact.bi.scores[i] - exact.bi.scores[j]) < 1e-6) continue; // a tie
        assert.equal(
          Math.sign(rf[i] - rf[j]),
          Math.sign(re[i] - re[j]),
          `layers ${i} and ${j} swap places in the removal order (exact ${exact.bi.order}, fast ${fast.bi.order})`,
        );
      }
    }
    const rel = Math.abs(fast.ppl - exact.ppl) / exact.ppl;
    assert.ok(rel <= 1e-5, `perplexity: exact ${exact.ppl}, fast ${fast.ppl} (relative ${rel} > 1e-5)`);
  }, { skip: wasmSimdAvailable() ? undefined : "this runtime has no WebAssembly SIMD" });
}
