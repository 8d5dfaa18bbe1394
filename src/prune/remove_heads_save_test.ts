// The head-pruned folder (docs/heads.md "The folder"): config.json fields, stored dtypes kept exactly,
// provenance in the original numbering across repeated pruning, sharded inputs, refusals.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { UserError } from "../errors.ts";
import { writeSafetensors } from "../io/safetensors_write.ts";
import { TensorStore } from "../io/store.ts";
import { forward } from "../models/forward.ts";
import { loadModel } from "../models/load.ts";
import type { CausalLM } from "../models/model.ts";
import { assertAllClose } from "../testing/assert.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { headCounts, type HeadRef, takeColBlocks, takeRowBlocks, withoutHeads } from "./remove_heads.ts";
import { saveHeadPruned } from "./remove_heads_save.ts";
import { savePrunedLayers } from "./save.ts";

const IDS = Int32Array.from([1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315]);
const userError = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);
const config = (dir: string) => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
const logits = async (m: CausalLM) => (await forward(m, IDS)).logits!;

async function inTmp(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-heads-save-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

test("physical mode writes per-layer head counts, an explicit head_dim, the input's scalar counts and provenance", () =>
  inTmp((tmp) => {
    const out = join(tmp, "p");
    const summary = saveHeadPruned(modelDir("stories260K"), out, [[3, 5], [0, 1], [3, 4]]);
    assert.deepEqual(summary.removedHeads, [[0, 1], [3, 4], [3, 5]]);
    assert.deepEqual(summary.numHeads, [7, 8, 8, 6, 8]);
    assert.deepEqual(summary.numKvHeads, [7, 4, 4, 6, 4]);
    const c = config(out);
    assert.deepEqual(c.layer_num_attention_heads, [7, 8, 8, 6, 8]);
    assert.deepEqual(c.layer_num_key_value_heads, [7, 4, 4, 6, 4]);
    assert.equal(c.head_dim, 8);
    assert.equal(c.num_attention_heads, 8);
    assert.equal(c.num_key_value_heads, 4); // the input's: kv heads still divide heads
    assert.equal(c.num_hidden_layers, 5);
    assert.deepEqual(c.shortgpt.removed_heads, [[0, 1], [3, 4], [3, 5]]);
    assert.equal(c.shortgpt.head_mode, "physical");
    assert.deepEqual(c.shortgpt.removed_layers, []);
    assert.equal(c.shortgpt.source, "stories260K");
    assert.ok(!("masked_heads" in c.shortgpt));
    assert.ok(existsSync(join(out, "tok512.bin")) && existsSync(join(out, "PROVENANCE.md")));

    const src = TensorStore.open(modelDir("stories260K")), dst = TensorStore.open(out);
    try {
      assert.deepEqual(dst.info("model.layers.0.self_attn.q_proj.weight")!.shape, [56, 64]);
      assert.deepEqual(dst.info("model.layers.0.self_attn.k_proj.weight")!.shape, [56, 64]);
      assert.deepEqual(dst.info("model.layers.0.self_attn.o_proj.weight")!.shape, [64, 56]);
      assert.deepEqual(dst.info("model.layers.3.self_attn.v_proj.weight")!.shape, [48, 64]);
      assert.deepEqual(dst.info("model.layers.1.self_attn.k_proj.weight")!.shape, [32, 64]);
      // Untouched tensors are the same bytes.
      for (const name of src.names().filter((n) => !/layers\.[03]\.self_attn/.test(n))) {
        assert.deepEqual(dst.readBytes(name), src.readBytes(name), name);
      }
    } finally {
      src.close(), dst.close();
    }
  }));

test("mask mode keeps every shape and count, zeroes only the heads' o_proj columns, and records the mode", () =>
  inTmp((tmp) => {
    const out = join(tmp, "m");
    const summary = saveHeadPruned(modelDir("stories260K"), out, [[2, 6]], { mode: "mask" });
    assert.deepEqual(summary.numHeads, [8, 8, 8, 8, 8]);
    const c = config(out), before = config(modelDir("stories260K"));
    assert.equal(c.num_attention_heads, 8);
    assert.equal(c.num_key_value_heads, 4);
    assert.ok(!("layer_num_attention_heads" in c) && !("layer_num_key_value_heads" in c));
    assert.deepEqual({ ...c, shortgpt: undefined }, { ...before, shortgpt: undefined });
    assert.deepEqual(c.shortgpt.removed_heads, [[2, 6]]);
    assert.equal(c.shortgpt.head_mode, "mask");
    const src = TensorStore.open(modelDir("stories260K")), dst = TensorStore.open(out);
    try {
      for (const name of src.names()) {
        assert.deepEqual(dst.info(name)!.shape, src.info(name)!.shape);
        if (name !== "model.layers.2.self_attn.o_proj.weight") {
          assert.deepEqual(dst.readBytes(name), src.readBytes(name), name);
        }
      }
      const o = dst.read("model.layers.2.self_attn.o_proj.weight").data,
        o0 = src.read("model.layers.2.self_attn.o_proj.weight").data;
      for (let r = 0; r < 64; r++) {
        for (let c = 0; c < 64; c++) assert.equal(o[r * 64 + c], c >= 48 && c < 56 ? 0 : o0[r * 64 + c]);
      }
    } finally {
      src.close(), dst.close();
    }
  }));

for (const name of ["stories260K-bf16", "stories260K-f16"]) {
  test(`${name}: edited tensors keep their dtype and stored values; logits equal the in-memory removal`, () =>
    inTmp(async (tmp) => {
      const heads: HeadRef[] = [[1, 2], [4, 7]];
      const src = TensorStore.open(modelDir(name));
      const dtype = src.info("model.layers.1.self_attn.q_proj.weight")!.dtype;
      assert.equal(dtype, name.endsWith("bf16") ? "BF16" : "F16");
      for (const mode of ["physical", "mask"] as const) {
        const out = join(tmp, mode);
        saveHeadPruned(modelDir(name), out, heads, { mode });
        const dst = TensorStore.open(out);
        try {
          for (const n of dst.names()) assert.equal(dst.info(n)!.dtype, src.info(n)!.dtype, n);
          if (mode === "physical") {
            // q rows of kept heads, k rows of the kv head each reads, o columns of kept heads: the same bytes.
            const kept = [0, 1, 3, 4, 5, 6, 7], kv = kept.map((h) => Math.floor(h / 2));
            const p = "model.layers.1.self_attn";
            assert.deepEqual(
              dst.readBytes(`${p}.q_proj.weight`),
              takeRowBlocks(src.readBytes(`${p}.q_proj.weight`), 64, 2, 8, kept),
            );
            assert.deepEqual(
              dst.readBytes(`${p}.k_proj.weight`),
              takeRowBlocks(src.readBytes(`${p}.k_proj.weight`), 64, 2, 8, kv),
            );
            assert.deepEqual(
              dst.readBytes(`${p}.o_proj.weight`),
              takeColBlocks(src.readBytes(`${p}.o_proj.weight`), 64, 64, 2, 8, kept),
            );
          }
        } finally {
          dst.close();
        }
        const expected = await logits(await withoutHeads(loadModel(modelDir(name)), heads, { mode }));
        assertAllClose(await logits(loadModel(out)), expected, { atol: 0, label: `${name} ${mode}` });
      }
      src.close();
    }));
}

test("repeated head pruning records heads in the original numbering, through masks and layer removal", () =>
  inTmp((tmp) => {
    const src = modelDir("stories260K");
    const d = (n: string) => join(tmp, n);
    const prov = (n: string) => config(d(n)).shortgpt;

    // physical twice: head 1 of the 7 left in layer 0 is original head 2
    saveHeadPruned(src, d("a"), [[0, 1]]);
    saveHeadPruned(d("a"), d("b"), [[0, 1], [2, 0]]);
    assert.deepEqual(prov("b").removed_heads, [[0, 1], [0, 2], [2, 0]]);
    assert.equal(prov("b").source, "a");
    assert.deepEqual(config(d("b")).layer_num_attention_heads, [6, 8, 7, 8, 8]);

    // layers removed first: layer 1 of the 4 left is original layer 2
    savePrunedLayers(src, d("c"), [1]);
    saveHeadPruned(d("c"), d("e"), [[1, 3]]);
    assert.deepEqual(prov("e").removed_heads, [[2, 3]]);
    assert.deepEqual(prov("e").removed_layers, [1]);
    // and layer removal after head removal keeps the heads' record and filters the per-layer lists
    savePrunedLayers(d("b"), d("f"), [1]);
    assert.deepEqual(prov("f").removed_heads, [[0, 1], [0, 2], [2, 0]]);
    assert.deepEqual(config(d("f")).layer_num_attention_heads, [6, 7, 8, 8]);
    assert.deepEqual(headCounts(loadModel(d("f"))), [6, 7, 8, 8]);

    // mask, then physical on another head: mixed, the masked head still present
    saveHeadPruned(src, d("m1"), [[0, 1]], { mode: "mask" });
    saveHeadPruned(d("m1"), d("m2"), [[0, 2]]);
    assert.deepEqual(prov("m2").removed_heads, [[0, 1], [0, 2]]);
    assert.equal(prov("m2").head_mode, "mixed");
    assert.deepEqual(prov("m2").masked_heads, [[0, 1]]);
    // then physically removing current head 1 of layer 0 (the masked original head 1): all physical
    saveHeadPruned(d("m2"), d("m3"), [[0, 1]]);
    assert.deepEqual(prov("m3").removed_heads, [[0, 1], [0, 2]]);
    assert.equal(prov("m3").head_mode, "physical");
    assert.ok(!("masked_heads" in prov("m3")));
    assert.deepEqual(config(d("m3")).layer_num_attention_heads, [6, 8, 8, 8, 8]);
    // masking a head again records it once
    saveHeadPruned(d("m1"), d("m4"), [[0, 1], [4, 4]], { mode: "mask" });
    assert.deepEqual(prov("m4").removed_heads, [[0, 1], [4, 4]]);
    assert.equal(prov("m4").head_mode, "mask");
  }));

test("a sharded input stays sharded, with the same logits as the single-file result", () =>
  inTmp(async (tmp) => {
    const sharded = join(tmp, "sharded");
    mkdirSync(sharded);
    const store = TensorStore.open(modelDir("stories260K"));
    const entry = (n: string) => ({
      name: n,
      dtype: store.info(n)!.dtype,
      shape: store.info(n)!.shape,
      bytes: store.readBytes(n),
    });
    const first = store.names().filter((n) => !/layers\.[34]\./.test(n)),
      rest = store.names().filter((n) => /layers\.[34]\./.test(n));
    const shard = (i: number) => `model-0000${i}-of-00002.safetensors`;
    writeSafetensors(join(sharded, shard(1)), first.map(entry));
    writeSafetensors(join(sharded, shard(2)), rest.map(entry));
    store.close();
    const weightMap = Object.fromEntries([...first.map((n) => [n, shard(1)]), ...rest.map((n) => [n, shard(2)])]);
    writeFileSync(join(sharded, "model.safetensors.index.json"), JSON.stringify({ weight_map: weightMap }));
    writeFileSync(join(sharded, "config.json"), readFileSync(join(modelDir("stories260K"), "config.json")));
    const heads: HeadRef[] = [[0, 0], [3, 7], [4, 2]];
    saveHeadPruned(sharded, join(tmp, "out-sharded"), heads);
    saveHeadPruned(modelDir("stories260K"), join(tmp, "out-single"), heads);
    const index = JSON.parse(readFileSync(join(tmp, "out-sharded", "model.safetensors.index.json"), "utf8"));
    assert.equal(index.weight_map["model.layers.3.self_attn.q_proj.weight"], shard(2));
    assert.equal(index.weight_map["model.layers.0.self_attn.q_proj.weight"], shard(1));
    assertAllClose(
      await logits(loadModel(join(tmp, "out-sharded"))),
      await logits(loadModel(join(tmp, "out-single"))),
      {
        atol: 0,
        label: "sharded vs single",
      },
    );
  }));

test("saveHeadPruned() refuses the input folder, a non-empty folder without force, RWKV, and bad head lists", () =>
  inTmp((tmp) => {
    const src = modelDir("stories260K");
    assert.throws(() => saveHeadPruned(src, src, [[0, 1]]), userError(/is the input model folder/));
    assert.throws(() => saveHeadPruned(src, join(src, "sub"), [[0, 1]]), userError(/inside the input model folder/));
    writeFileSync(join(tmp, "keep.txt"), "x");
    assert.throws(() => saveHeadPruned(src, tmp, [[0, 1]]), userError(/not empty/));
    assert.equal(readFileSync(join(tmp, "keep.txt"), "utf8"), "x");
    const out = join(tmp, "o");
    assert.throws(() => saveHeadPruned(src, out, [[5, 0]]), userError(/layer 5 is out of range/));
    assert.throws(() => saveHeadPruned(src, out, [[0, 8]]), userError(/head 8 is out of range/));
    assert.throws(() => saveHeadPruned(src, out, [[1, 1], [1, 1]]), userError(/listed twice/));
    assert.throws(
      () => saveHeadPruned(src, out, Array.from({ length: 8 }, (_, h) => [2, h] as HeadRef), { mode: "mask" }),
      userError(/all 8 heads of layer 2.*--layers 2/),
    );
    assert.throws(
      () => saveHeadPruned("testdata/models/tiny-rwkv-5v2-730K", out, [[0, 0]]),
      userError(/Llama-family.*"rwkv"/),
    );
    // A checkpoint missing a tensor the edit rewrites is refused, not copied half-edited.
    const broken = join(tmp, "broken");
    mkdirSync(broken);
    const store = TensorStore.open(src);
    const names = store.names().filter((n) => n !== "model.layers.1.self_attn.o_proj.weight");
    writeSafetensors(
      join(broken, "model.safetensors"),
      names.map((n) => ({
        name: n,
        dtype: store.info(n)!.dtype,
        shape: store.info(n)!.shape,
        bytes: store.readBytes(n),
      })),
    );
    store.close();
    writeFileSync(join(broken, "config.json"), readFileSync(join(src, "config.json")));
    assert.throws(
      () => saveHeadPruned(broken, out, [[1, 0]], { mode: "mask" }),
      userError(/layers\.1\.self_attn\.o_proj\.weight" is missing/),
    );
    assert.ok(!existsSync(out));
    rmSync(broken, { recursive: true });
    saveHeadPruned(src, tmp, [[0, 1]], { force: true });
    assert.ok(!existsSync(join(tmp, "keep.txt")));
    // Only this test's own temporary sibling (`.<name>.tmp-<pid>-<time>`): the system temp
    // folder is shared with other processes' work in progress.
    const own = `.${basename(tmp)}.tmp-`;
    assert.deepEqual(readdirSync(join(tmp, "..")).filter((n) => n.startsWith(own)), []);
  }));
