import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { UserError } from "../errors.ts";
import { TensorStore } from "../io/store.ts";
import { writeSafetensors } from "../io/safetensors_write.ts";
import { forward } from "../models/forward.ts";
import { loadModel } from "../models/load.ts";
import { assertAllClose } from "../testing/assert.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { withoutLayers } from "./remove_layers.ts";
import { savePrunedLayers } from "./save.ts";
import { storedFiniteCheck } from "../io/stored_finite.ts";

const IDS = Int32Array.from(new TextEncoder().encode("Once upon a time, there was a little dog."));

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "shortgpt-prune-"));
}

test("savePrunedLayers() writes a folder whose logits equal the in-memory removal", async () => {
  const dir = tmp();
  try {
    const src = modelDir("bytellama-12L");
    const out = join(dir, "pruned");
    const summary = savePrunedLayers(src, out, [10, 3, 7], { metric: "bi" });
    assert.equal(summary.layers, 9);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    assert.equal(config.num_hidden_layers, 9);
    assert.deepEqual(config.shortgpt.removed_layers, [3, 7, 10]);
    assert.equal(config.shortgpt.source, "bytellama-12L");
    assert.equal(config.shortgpt.metric, "bi");
    const store = TensorStore.open(out);
    assert.ok(store.has("model.layers.8.mlp.down_proj.weight"));
    assert.ok(!store.has("model.layers.9.mlp.down_proj.weight"));
    store.close();
    const expected = await forward(withoutLayers(loadModel(src), [3, 7, 10]), IDS);
    const pruned = loadModel(out);
    assert.deepEqual(pruned.blocks.length, 9);
    assertAllClose((await forward(pruned, IDS)).logits!, expected.logits!, { atol: 0, label: "pruned logits" });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("pruning a pruned folder records removed layers in the original numbering", () => {
  const dir = tmp();
  try {
    const once = join(dir, "once"), twice = join(dir, "twice");
    savePrunedLayers(modelDir("bytellama-12L"), once, [2]);
    savePrunedLayers(once, twice, [2]); // layer 2 of the 11-layer model is original layer 3
    const config = JSON.parse(readFileSync(join(twice, "config.json"), "utf8"));
    assert.deepEqual(config.shortgpt.removed_layers, [2, 3]);
    assert.equal(config.num_hidden_layers, 10);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("savePrunedLayers() copies the tokenizer and keeps a sharded layout sharded", async () => {
  const dir = tmp();
  try {
    const out = join(dir, "s");
    savePrunedLayers(modelDir("stories260K"), out, [0]);
    assert.ok(existsSync(join(out, "tok512.bin")));
    assert.ok(existsSync(join(out, "PROVENANCE.md")));
    // Shard stories260K by hand: embeddings in one file, everything else in another.
    const sharded = join(dir, "sharded");
    mkdirSync(sharded);
    const store = TensorStore.open(modelDir("stories260K"));
    const entry = (n: string) => ({
      name: n,
      dtype: store.info(n)!.dtype,
      shape: store.info(n)!.shape,
      bytes: store.readBytes(n),
    });
    const names = store.names();
    const first = names.filter((n) => n.startsWith("model.embed"));
    const rest = names.filter((n) => !n.startsWith("model.embed"));
    writeSafetensors(join(sharded, "model-00001-of-00002.safetensors"), first.map(entry));
    writeSafetensors(join(sharded, "model-00002-of-00002.safetensors"), rest.map(entry));
    store.close();
    const weightMap = Object.fromEntries([
      ...first.map((n) => [n, "model-00001-of-00002.safetensors"]),
      ...rest.map((n) => [n, "model-00002-of-00002.safetensors"]),
    ]);
    writeFileSync(join(sharded, "model.safetensors.index.json"), JSON.stringify({ weight_map: weightMap }));
    writeFileSync(join(sharded, "config.json"), readFileSync(join(modelDir("stories260K"), "config.json")));
    const out2 = join(dir, "s2");
    savePrunedLayers(sharded, out2, [0]);
    assert.ok(existsSync(join(out2, "model.safetensors.index.json")));
    const a = await forward(loadModel(out), IDS.map((b) => b % 512));
    const b = await forward(loadModel(out2), IDS.map((b) => b % 512));
    assertAllClose(a.logits!, b.logits!, { atol: 0, label: "sharded vs single" });
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("savePrunedLayers() refuses the input folder, a non-empty folder without force, and bad layer lists", () => {
  const dir = tmp();
  try {
    const src = modelDir("stories260K");
    const userError = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);
    assert.throws(() => savePrunedLayers(src, src, [0]), userError(/is the input model folder/));
    assert.throws(() => savePrunedLayers(src, join(src, "sub"), [0]), userError(/inside the input model folder/));
    writeFileSync(join(dir, "keep.txt"), "x");
    assert.throws(() => savePrunedLayers(src, dir, [0]), userError(/not empty/));
    assert.equal(readFileSync(join(dir, "keep.txt"), "utf8"), "x");
    const out = join(dir, "o");
    assert.throws(() => savePrunedLayers(src, out, [5]), userError(/Layer 5 is out of range/));
    assert.throws(() => savePrunedLayers(src, out, [1, 1]), userError(/listed twice/));
    assert.throws(() => savePrunedLayers(src, out, [0, 1, 2, 3, 4]), userError(/Removing all 5 layers/));
    assert.ok(!existsSync(out));
    savePrunedLayers(src, dir, [0], { force: true });
    assert.ok(!existsSync(join(dir, "keep.txt")));
    // Only this test's own temporary sibling (src/prune/output_folder.ts names it
    // `.<name>.tmp-<pid>-<time>`): the system temp folder is shared with other processes.
    const own = `.${basename(dir)}.tmp-`;
    assert.deepEqual(readdirSync(join(dir, "..")).filter((n) => n.startsWith(own)), []);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

for (const name of ["tiny-rwkv-4v0-660K", "tiny-rwkv-5v2-730K", "tiny-rwkv-6v0-1m", "tiny-rwkv-7v0-834K"]) {
  test(`savePrunedLayers() on ${name} writes n_layer and n_params, keeps ln0 with the first block, and reloads exactly`, async () => {
    const dir = tmp();
    try {
      const src = modelDir(name);
      const out = join(dir, "pruned");
      savePrunedLayers(src, out, [0, 2]); // block 0 goes: its ln0 must stay as blocks.0.ln0
      const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
      const L = JSON.parse(readFileSync(join(src, "config.json"), "utf8")).n_layer;
      assert.equal(config.n_layer, L - 2);
      const store = TensorStore.open(out);
      assert.ok(store.has("blocks.0.ln0.weight"));
      assert.ok(!store.has(`blocks.${L - 2}.ln1.weight`));
      const kept = store.names().reduce((n, t) => n + store.info(t)!.shape.reduce((a, b) => a * b, 1), 0);
      store.close();
      assert.equal(config.n_params, kept, "n_params counts the kept tensors' elements");
      assert.ok(!("expected_logits" in config), "the unpruned model's expected logits are not described");
      const card = readFileSync(join(out, "README.md"), "utf8");
      assert.ok(!/library_name: transformers|from_pretrained/.test(card), `the card offers transformers:\n${card}`);
      assert.ok(!existsSync(join(out, "expected_logits_rwkvcpp.bin")), "outputs of the unpruned model are not copied");
      const expected = await forward(withoutLayers(loadModel(src), [0, 2]), IDS);
      assertAllClose((await forward(loadModel(out), IDS)).logits!, expected.logits!, {
        atol: 0,
        label: `${name} pruned`,
      });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
}

/** A copy of bytellama-12L with NaN written into element 17 of each tensor named. */
function copyWithNaN(dir: string, names: string[]): string {
  const src = modelDir("bytellama-12L"), copy = join(dir, "src");
  mkdirSync(copy);
  for (const f of readdirSync(src)) writeFileSync(join(copy, f), readFileSync(join(src, f)));
  const store = TensorStore.open(copy);
  const infos = names.map((n) => store.info(n)!);
  store.close();
  for (const info of infos) {
    const bytes = readFileSync(info.file);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    if (info.dtype === "F32") view.setFloat32(info.begin + 4 * 17, NaN, true);
    else view.setUint16(info.begin + 2 * 17, info.dtype === "BF16" ? 0x7fc0 : 0x7e00, true);
    writeFileSync(info.file, bytes);
  }
  return copy;
}

test("savePrunedLayers() scans the values it copies: NaN in a kept tensor stops it and leaves no folder", () => {
  const dir = tmp();
  try {
    const src = copyWithNaN(dir, ["model.layers.1.self_attn.k_proj.weight"]);
    const out = join(dir, "pruned");
    assert.throws(
      () => savePrunedLayers(src, out, [3]),
      (e) =>
        e instanceof UserError &&
        /"model\.layers\.1\.self_attn\.k_proj\.weight" holds NaN at element 17/.test(e.message),
    );
    assert.ok(!existsSync(out), "no output folder");
    assert.deepEqual(readdirSync(dir), ["src"], "no temporary folder left beside it");
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("savePrunedLayers() does not read the layers it drops: NaN there does not stop it", () => {
  const dir = tmp();
  try {
    const src = copyWithNaN(dir, ["model.layers.3.mlp.up_proj.weight"]);
    const summary = savePrunedLayers(src, join(dir, "pruned"), [3]);
    assert.equal(summary.layers, 11);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("storedFiniteCheck() finds NaN and ±Inf in every float dtype, in chunks at any offset", () => {
  const cases = [
    ["F32", 4, (v: DataView, i: number) => v.setFloat32(i, -Infinity, true), "-Infinity"],
    ["BF16", 2, (v: DataView, i: number) => v.setUint16(i, 0x7fc0, true), "NaN"],
    ["F16", 2, (v: DataView, i: number) => v.setUint16(i, 0x7c00, true), "Infinity"],
  ] as const;
  for (const [dtype, size, poke, what] of cases) {
    const bytes = new Uint8Array(1 + 64 * size).subarray(1); // unaligned: the DataView path
    poke(new DataView(bytes.buffer, bytes.byteOffset), 41 * size);
    const check = storedFiniteCheck("t", dtype)!;
    assert.throws(() => check(bytes, 8 * size), new RegExp(`holds ${what} at element 49;`));
    const aligned = bytes.slice(); // the typed-array path
    check(aligned.subarray(0, 40 * size), 0);
    assert.throws(() => check(aligned.subarray(40 * size), 40 * size), new RegExp(`holds ${what} at element 41;`));
  }
  assert.equal(storedFiniteCheck("ids", "I64"), undefined);
});
