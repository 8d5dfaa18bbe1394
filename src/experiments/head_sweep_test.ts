import assert from "node:assert/strict";
import { UserError } from "../errors.ts";
import { perplexity } from "../eval/perplexity.ts";
import { headSweep } from "./head_sweep.ts";
import { loadModel } from "../models/load.ts";
import { withoutHeads } from "../prune/remove_heads.ts";
import { saveHeadPruned } from "../prune/remove_heads_save.ts";
import { modelDir } from "../testing/golden.ts";
import { countingIdChecks } from "../testing/id_checks.ts";
import { test } from "../testing/harness.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const WINDOWS = [
  Int32Array.from([1, 403, 407, 261, 378, 432, 383, 286, 261, 376]),
  Int32Array.from([1, 298, 315, 261, 403, 407]),
];
const userError = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);

test("headSweep() measures each single head's removal, as perplexity(withoutHeads()) does, with progress", async () => {
  const model = loadModel(modelDir("stories260K"));
  const ticks: [number, number][] = [];
  const r = await headSweep(model, WINDOWS, { layers: [3, 1], onProgress: (d, t) => ticks.push([d, t]) });
  assert.deepEqual(r.layers, [1, 3]);
  assert.deepEqual(r.heads, [8, 8]);
  assert.equal(r.windows, 2);
  assert.equal(r.tokens, 16);
  assert.equal(r.dense_ppl, (await perplexity(model, WINDOWS)).ppl);
  for (const [i, l] of r.layers.entries()) {
    for (const h of [0, 5]) {
      const expected = (await perplexity(await withoutHeads(model, [[l, h]]), WINDOWS)).ppl;
      assert.ok(
        Math.abs(r.ppl[i][h]! - expected) <= 1e-9 * expected,
        `layer ${l} head ${h}: ${r.ppl[i][h]} vs ${expected}`,
      );
    }
  }
  assert.equal(ticks.length, (1 + 16) * 2);
  assert.deepEqual(ticks.at(-1), [34, 34]);
});

test("headSweep() sweeps every layer by default, handles per-layer head counts, and refuses bad layers", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "shortgpt-head-sweep-"));
  try {
    const dir = join(tmp, "pruned");
    // Layer 0 keeps one head: its removal is not a head removal and is reported as null.
    saveHeadPruned(modelDir("stories260K"), dir, Array.from({ length: 7 }, (_, h) => [0, h + 1] as const));
    const r = await headSweep(loadModel(dir), WINDOWS.slice(0, 1));
    assert.deepEqual(r.layers, [0, 1, 2, 3, 4]);
    assert.deepEqual(r.heads, [1, 8, 8, 8, 8]);
    assert.deepEqual(r.ppl[0], [null]);
    assert.ok(r.ppl.slice(1).flat().every((p) => typeof p === "number" && p > 1));
  } finally {
    rmSync(tmp, { recursive: true });
  }
  const model = loadModel(modelDir("stories260K"));
  await assert.rejects(() => headSweep(model, WINDOWS, { layers: [5] }), userError(/Layer 5 is out of range/));
  await assert.rejects(() => headSweep(model, WINDOWS, { layers: [1, 1] }), userError(/listed twice/));
  await assert.rejects(
    () => headSweep(loadModel("testdata/models/tiny-rwkv-5v2-730K"), WINDOWS),
    userError(/Llama-family/),
  );
});

test("headSweep() checks each window's ids once, not again in every perplexity run (none with checkIds: false)", async () => {
  for (const [checkIds, expected] of [[true, WINDOWS.length], [false, 0]] as const) {
    const { model, checks } = countingIdChecks(loadModel(modelDir("stories260K")));
    await headSweep(model, WINDOWS, { layers: [1], checkIds });
    assert.equal(checks(), expected);
  }
  await assert.rejects(
    () => headSweep(loadModel(modelDir("stories260K")), [Int32Array.from([1, 999])], { layers: [1] }),
    userError(/Token id 999 at position 1 is out of range/),
  );
});
