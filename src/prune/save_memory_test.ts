import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readConfigFile } from "../io/config_json.ts";
import { TensorStore } from "../io/store.ts";
import { test } from "../testing/harness.ts";
import { savePrunedLayers } from "./save.ts";
import { prunedFolderFiles } from "./save_memory.ts";

for (const dir of ["testdata/models/stories260K", "testdata/models/tiny-rwkv-4v0-660K"]) {
  test(`prunedFolderFiles() holds the bytes savePrunedLayers() writes: ${dir}`, () => {
    const out = join(mkdtempSync(join(tmpdir(), "shortgpt-mem-")), "pruned");
    try {
      const prov = { metric: "bi", scores: [0.5, 0.25, 0.125] };
      savePrunedLayers(dir, out, [1, 3], prov);
      const store = TensorStore.open(dir);
      const { raw, floats } = readConfigFile(dir);
      const files = prunedFolderFiles(raw, floats, store, [1, 3], dir.split("/").pop()!, prov);
      store.close();
      for (const [name, bytes] of files) assert.deepEqual(bytes, new Uint8Array(readFileSync(join(out, name))), name);
    } finally {
      rmSync(join(out, ".."), { recursive: true, force: true });
    }
  });
}
