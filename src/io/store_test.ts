// TensorStore.open closes what it opened when it refuses a folder (a duplicate tensor across
// shards, an index naming a tensor its shard lacks). Open descriptors are counted in
// /proc/self/fd, so the check runs where that exists (Linux) and is skipped visibly elsewhere.
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { TensorStore } from "./store.ts";

const FD = "/proc/self/fd";
const skip = existsSync(FD) ? undefined : `no ${FD} on this system to count open files`;
const openFiles = () => readdirSync(FD).length;

test("TensorStore.open closes every file it opened when it refuses the folder", () => {
  const root = mkdtempSync(join(tmpdir(), "shortgpt-store-"));
  try {
    const src = join(modelDir("stories260K"), "model.safetensors");
    // two shards holding the same tensors, no index
    for (const n of ["a.safetensors", "b.safetensors"]) copyFileSync(src, join(root, n));
    const before = openFiles();
    for (let i = 0; i < 5; i++) {
      assert.throws(
        () => TensorStore.open(root),
        (e: unknown) => e instanceof UserError && /is in both/.test(e.message),
      );
    }
    assert.equal(openFiles(), before, "descriptors left open");
    // an index that names a tensor its shard does not hold
    rmSync(join(root, "b.safetensors"));
    writeFileSync(
      join(root, "model.safetensors.index.json"),
      JSON.stringify({ weight_map: { "no.such.tensor": "a.safetensors" } }),
    );
    for (let i = 0; i < 5; i++) {
      assert.throws(
        () => TensorStore.open(root),
        (e: unknown) => e instanceof UserError && /does not hold it/.test(e.message),
      );
    }
    assert.equal(openFiles(), before, "descriptors left open (sharded)");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}, { skip });
