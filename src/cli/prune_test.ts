// `prune` and `prune-heads` read config.json and the safetensors headers once: after their
// ModelFolder has read them, both are broken on disk, and every path of the command still writes
// the right model.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { forward } from "../models/forward.ts";
import { loadModel, ModelFolder } from "../models/load.ts";
import { saveHeadPruned } from "../prune/remove_heads_save.ts";
import { withoutLayers } from "../prune/remove_layers.ts";
import { breakConfigAndHeaders, copyTestModel } from "../testing/folders.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { prune, spec } from "./prune.ts";
import { pruneHeads, spec as headsSpec } from "./prune_heads.ts";
import { parseCommand } from "./shared.ts";

const IDS = "79,110,99,101,32,117,112,111,110,32,97,32,116,105,109,101";

const CASES: [model: string, flags: string[]][] = [
  ["bytellama-12L", ["--layers", "3,7"]],
  ["bytellama-12L", ["--remove", "2", "--metric", "bi", "--ids", IDS]],
  ["bytellama-12L", ["--remove", "2", "--metric", "relmag", "--ids", IDS, "--stream"]],
  ["bytellama-12L", ["--remove", "2", "--metric", "reverse"]],
  ["tiny-rwkv-7v0-834K", ["--layers", "0,5"]],
  ["tiny-rwkv-7v0-834K", ["--remove", "2", "--metric", "bi", "--ids", IDS, "--stream"]],
];

for (const [model, flags] of CASES) {
  const shown = flags.map((f) => f === IDS ? "IDS" : f).join(" ");
  test(`prune ${shown} reads config.json and the headers once (${model})`, async () => {
    const dir = copyTestModel(model), outDir = mkdtempSync(join(tmpdir(), "shortgpt-pruned-"));
    const folder = new ModelFolder(dir);
    try {
      assert.ok(folder.raw && folder.store); // the folder's reads, as the command's first steps make them
      breakConfigAndHeaders(dir);
      assert.throws(() => new ModelFolder(dir).raw, UserError, "config.json on disk is broken now");
      const out = join(outDir, "pruned");
      await prune(parseCommand([dir, "--out", out, ...flags, "--quiet"], spec), folder);
      const removed = JSON.parse(readFileSync(join(out, "config.json"), "utf8")).shortgpt.removed_layers;
      assert.equal(removed.length, 2);
      const ids = Int32Array.from(IDS.split(",").map(Number));
      const expected = await forward(withoutLayers(loadModel(modelDir(model)), removed), ids);
      const got = await forward(loadModel(out), ids);
      assert.deepEqual(got.logits, expected.logits, "the written model is the original without those layers");
    } finally {
      folder.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(outDir, { recursive: true, force: true });
    }
  });
}

for (const mode of ["physical", "mask"] as const) {
  test(`prune-heads --mode ${mode} reads config.json and the headers once (stories260K)`, async () => {
    const dir = copyTestModel("stories260K"), outDir = mkdtempSync(join(tmpdir(), "shortgpt-pruned-"));
    const folder = new ModelFolder(dir);
    try {
      assert.ok(folder.raw && folder.store); // the folder's reads, as the command's first steps make them
      breakConfigAndHeaders(dir);
      assert.throws(() => new ModelFolder(dir).raw, UserError, "config.json on disk is broken now");
      const out = join(outDir, "pruned"), expectedDir = join(outDir, "expected");
      pruneHeads(parseCommand([dir, "--out", out, "--heads", "0:1,3:5", "--mode", mode, "--quiet"], headsSpec), folder);
      saveHeadPruned(modelDir("stories260K"), expectedDir, [[0, 1], [3, 5]], { mode });
      const shortgpt = (d: string) => JSON.parse(readFileSync(join(d, "config.json"), "utf8")).shortgpt;
      assert.deepEqual(shortgpt(out).removed_heads, [[0, 1], [3, 5]]);
      assert.equal(shortgpt(out).head_mode, mode);
      assert.deepEqual(
        readFileSync(join(out, "model.safetensors")),
        readFileSync(join(expectedDir, "model.safetensors")),
        "the same tensors as head pruning of the untouched folder",
      );
      const ids = Int32Array.from(IDS.split(",").map(Number));
      const expected = await forward(loadModel(expectedDir), ids);
      const got = await forward(loadModel(out), ids);
      assert.deepEqual(got.logits, expected.logits, "the written model is the original without those heads");
    } finally {
      folder.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(outDir, { recursive: true, force: true });
    }
  });
}
