// `prune` reads config.json and the safetensors headers once: after its ModelFolder has read
// them, both are broken on disk, and every path of the command still writes the right model.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { forward } from "../models/forward.ts";
import { loadModel, ModelFolder } from "../models/load.ts";
import { withoutLayers } from "../prune/remove_layers.ts";
import { breakConfigAndHeaders, copyTestModel } from "../testing/folders.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { parseArgs } from "./args.ts";
import { prune, spec } from "./prune.ts";

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
      await prune(parseArgs([dir, "--out", out, ...flags, "--quiet"], spec), folder);
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
