/**
 * Golden tests: the five tiny RWKV models against an independent float64 numpy implementation
 * (testdata/golden/rwkv, logits [T,256] and hidden states [L+1,T,D]) and against rwkv.cpp's own
 * expected logits (testdata/models/<m>/expected_logits_rwkvcpp.bin, after the bytes of `"in`).
 * Tolerance: 1e-4 absolute everywhere (docs/conventions.md "Numerics"; the float64 reference agrees with rwkv.cpp
 * within 3.1e-6, and we measure ≤ 3e-5).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "../../testing/harness.ts";
import { assertAllClose, maxAbsDiff } from "../../testing/assert.ts";
import { forward } from "../forward.ts";
import { loadModel } from "../load.ts";
import { newRun } from "../model.ts";
import { readF32, RWKV_MODELS } from "./_fixtures.ts";

const ATOL = 1e-4;

for (const name of RWKV_MODELS) {
  const dir = `testdata/models/${name}`, golden = `testdata/golden/rwkv/${name}`;

  test(`${name}: logits and every hidden state X_0..X_L match the float64 reference within ${ATOL}`, async () => {
    const manifest = JSON.parse(readFileSync(`${golden}/manifest.json`, "utf8"));
    const [L1, T, D] = manifest.files["hidden.bin"].shape as number[];
    const ids = Int32Array.from(manifest.tokens as number[]);
    const model = loadModel(dir);
    assert.equal(model.blocks.length + 1, L1, "blocks");
    const hidden = readF32(`${golden}/hidden.bin`); // [L+1,T,D]
    const seen: number[] = [];
    const { logits } = await forward(model, ids, {
      onHidden: (i, x) => {
        seen.push(i);
        assertAllClose(x, hidden.subarray(i * T * D, (i + 1) * T * D), {
          atol: ATOL,
          label: `${name} X_${i}${i === 0 ? " (ln0 of the embedding)" : i === L1 - 1 ? " (before ln_out)" : ""}`,
        });
      },
    });
    assert.deepEqual(seen, [...Array(L1).keys()]);
    assertAllClose(logits!, readF32(`${golden}/logits.bin`), { atol: ATOL, label: `${name} logits` });
  });

  test(`${name}: fed one byte at a time, the logits after '"in' match rwkv.cpp within ${ATOL}`, async () => {
    const model = loadModel(dir);
    const run = newRun<Float32Array>();
    let last: Float32Array | undefined;
    for (const id of [34, 105, 110]) {
      last = (await forward(model, Int32Array.of(id), { run, keepState: true })).logits;
    }
    const expected = readF32(`${dir}/expected_logits_rwkvcpp.bin`);
    assertAllClose(last!, expected, { atol: ATOL, label: `${name} logits vs rwkv.cpp` });
    // rwkv.cpp's own rule for FP32 files: |Σ (ours − expected)| ≤ 0.00105
    let sum = 0;
    for (let i = 0; i < expected.length; i++) sum += last![i] - expected[i];
    assert.ok(
      Math.abs(sum) <= 0.00105,
      `rwkv.cpp's rule: |Σ diff| = ${Math.abs(sum)} > 0.00105 (max abs ${maxAbsDiff(last!, expected)})`,
    );
  });
}
