/**
 * Properties every RWKV version must have for layer removal and for running long texts in pieces:
 * - removing block i (splicing `model.blocks`) equals running the model with block i skipped;
 * - feeding a sequence in two parts with the state carried over (same run, keepState) equals
 *   feeding it whole: the logits of the second part and every block's final state;
 * - v7: the first block evaluated produces v_first (not the checkpoint's block 0).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../../testing/harness.ts";
import { assertAllClose } from "../../testing/assert.ts";
import { forward } from "../forward.ts";
import { loadModel } from "../load.ts";
import { type CausalLM, newRun, type Run } from "../model.ts";
import { bytes, RWKV_MODELS } from "./_fixtures.ts";
import type { BlockV7 } from "./v7.ts";

/** The forward pass written out by hand, skipping block `skip`: logits [T,V]. */
function forwardSkipping(model: CausalLM, ids: Int32Array, skip: number): Float32Array {
  const T = ids.length;
  const run = newRun<Float32Array>();
  let x = model.embed(ids);
  for (let i = 0; i < model.blocks.length; i++) {
    if (i !== skip) x = model.blocks[i].forward(x, T, run, false);
  }
  return model.head(model.finalNorm(x, T), T);
}

/** The typed arrays of a block's state, flattened in a fixed order (for comparing states). */
function stateArrays(state: unknown, path = "state"): [string, Float32Array | Float64Array][] {
  if (state instanceof Float32Array || state instanceof Float64Array) return [[path, state]];
  return Object.entries(state as Record<string, unknown>).flatMap(([k, v]) => stateArrays(v, `${path}.${k}`));
}

const TEXT = "The quick brown fox jumps over the lazy dog; 0123456789.";

for (const name of RWKV_MODELS) {
  test(`${name}: removing block i equals skipping it in the forward pass, for every i`, async () => {
    const ids = bytes(TEXT.slice(0, 20));
    const L = loadModel(`testdata/models/${name}`).blocks.length;
    for (let i = 0; i < L; i++) {
      const model = loadModel(`testdata/models/${name}`);
      const skipped = forwardSkipping(model, ids, i);
      model.blocks.splice(i, 1);
      const { logits } = await forward(model, ids);
      assertAllClose(logits!, skipped, { atol: 0, label: `${name} without block ${i}` });
    }
  });

  test(`${name}: two parts with the state carried over equal the whole sequence (logits and final state)`, async () => {
    const model = loadModel(`testdata/models/${name}`);
    const ids = bytes(TEXT);
    const T = ids.length, V = model.info.vocabSize;
    const whole = newRun<Float32Array>();
    const all = (await forward(model, ids, { run: whole, keepState: true })).logits!;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: T - 1 }), async (cut) => {
        const run: Run<Float32Array> = newRun();
        await forward(model, ids.slice(0, cut), { run, keepState: true });
        const second = (await forward(model, ids.slice(cut), { run, keepState: true })).logits!;
        assert.equal(run.pos0, T);
        assertAllClose(second, all.subarray(cut * V), { atol: 0, label: `${name} logits after cut ${cut}` });
        for (const block of model.blocks) {
          const a = stateArrays(run.state.get(block)), b = stateArrays(whole.state.get(block));
          assert.deepEqual(a.map(([p]) => p), b.map(([p]) => p));
          a.forEach(([p, arr], j) =>
            assertAllClose(arr, b[j][1], { atol: 0, label: `${name} block ${block.originalIndex} ${p}, cut ${cut}` })
          );
        }
      }),
      { numRuns: 8 },
    );
  });

  test(`${name}: without keepState a run's stored state is read but left unchanged`, async () => {
    const model = loadModel(`testdata/models/${name}`);
    const run = newRun<Float32Array>();
    await forward(model, bytes("Hello"), { run, keepState: true });
    const before = model.blocks.map((b) => stateArrays(run.state.get(b)).map(([, a]) => a.slice()));
    const a = (await forward(model, bytes(" world"), { run, keepState: false })).logits!;
    model.blocks.forEach((b, i) =>
      stateArrays(run.state.get(b)).forEach(([p, arr], j) => assertAllClose(arr, before[i][j], { atol: 0, label: p }))
    );
    run.pos0 -= 6; // replay the same call: it must start from the same state
    const again = (await forward(model, bytes(" world"), { run, keepState: false })).logits!;
    assertAllClose(again, a, { atol: 0, label: `${name} repeated call` });
  });
}

test("v7: with block 0 removed, the first remaining block produces v_first and ignores its own v0/v1/v2", async () => {
  const dir = "testdata/models/tiny-rwkv-7v0-834K";
  const ids = bytes("in the beginning");
  const spoil = (b: BlockV7<Float32Array>) => {
    b.att.v0!.fill(NaN); // a block that mixed toward v_first would now output NaN
  };
  const pruned = loadModel(dir);
  pruned.blocks.splice(0, 1);
  const reference = (await forward(pruned, ids)).logits!;
  spoil(pruned.blocks[0] as BlockV7<Float32Array>);
  const { logits } = await forward(pruned, ids);
  assertAllClose(logits!, reference, { atol: 0, label: "pruned v7, block 1's v0 spoiled" });

  const full = loadModel(dir);
  spoil(full.blocks[1] as BlockV7<Float32Array>); // block 1 follows block 0 here, so it does read v0
  // forward() refuses NaN activations, naming the layer: proof that block 1 mixed through v0.
  await assert.rejects(forward(full, ids), /The output of layer 1 holds NaN/);
});

test("v7: a block stored without att.v0/v1/v2 (this checkpoint's block 0) cannot follow another block", async () => {
  const model = loadModel("testdata/models/tiny-rwkv-7v0-834K");
  assert.equal((model.blocks[0] as BlockV7<Float32Array>).att.v0, null);
  [model.blocks[0], model.blocks[1]] = [model.blocks[1], model.blocks[0]];
  await assert.rejects(forward(model, bytes("abc")), /Block 0 has no att\.v0\/v1\/v2/);
});
