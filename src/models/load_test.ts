// A ModelFolder reads config.json and the safetensors headers once, whatever uses it after.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { modelDir } from "../testing/golden.ts";
import { breakConfigAndHeaders, copyTestModel } from "../testing/folders.ts";
import { test } from "../testing/harness.ts";
import { forward } from "./forward.ts";
import { loadModel, ModelFolder, openModel } from "./load.ts";

test("ModelFolder.numLayers comes from config.json alone: a folder without weights still has a layer count", () => {
  for (const [name, L] of [["bytellama-12L", 12], ["tiny-rwkv-7v0-834K", 12], ["stories260K", 5]] as const) {
    const dir = mkdtempSync(join(tmpdir(), "shortgpt-config-only-"));
    try {
      copyFileSync(join(modelDir(name), "config.json"), join(dir, "config.json"));
      const folder = new ModelFolder(dir);
      assert.equal(folder.numLayers, L, name);
      assert.throws(() => folder.store, (e: unknown) => e instanceof UserError && /No weights/.test(e.message));
      folder.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("loadModel() and openModel() on an opened ModelFolder read neither config.json nor the headers again", async () => {
  for (const name of ["bytellama-12L", "tiny-rwkv-7v0-834K"]) {
    const dir = copyTestModel(name);
    const folder = new ModelFolder(dir);
    try {
      const ids = Int32Array.from([1, 79, 110, 99, 101]);
      const expected = await forward(loadModel(modelDir(name)), ids);
      assert.ok(folder.raw && folder.store); // the only reads of config.json and the headers
      breakConfigAndHeaders(dir);
      assert.throws(() => loadModel(dir), UserError, "the files on disk are broken now");
      const got = await forward(loadModel(folder), ids);
      assert.deepEqual(got.logits, expected.logits, `${name}: the same logits from the folder opened before`);
      const { parts, close } = openModel(folder);
      assert.equal(parts.loadBlock(parts.numLayers - 1).originalIndex, parts.numLayers - 1);
      close();
      assert.ok(folder.store.names().length > 0, "openModel's close() leaves the folder open");
    } finally {
      folder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
