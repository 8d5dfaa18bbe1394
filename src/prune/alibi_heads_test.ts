// Physical head removal under ALiBi: each kept head keeps its slope, recorded in config.json as
// layer_alibi_heads (its index among the original model's heads), through repeated head pruning
// and layer pruning; saved folders reload to the in-memory logits exactly. And the checks on
// layer_alibi_heads when a config is read.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { type RawLlamaConfig, resolveLlamaConfig } from "../models/llama/config.ts";
import { readRawConfig } from "../io/config_json.ts";
import { forward } from "../models/forward.ts";
import { loadModel } from "../models/load.ts";
import type { CausalLM } from "../models/model.ts";
import { assertAllClose } from "../testing/assert.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { withoutHeads } from "./remove_heads.ts";
import { saveHeadPruned } from "./remove_heads_save.ts";
import { withoutLayers } from "./remove_layers.ts";
import { savePrunedLayers } from "./save.ts";

const IDS = Int32Array.from([1, 403, 407, 261, 378, 432, 380, 395]);
const logits = async (m: CausalLM) => (await forward(m, IDS)).logits!;

/** stories260K-mha (8 heads, 5 layers) with ALiBi instead of RoPE, in folder `dir`. */
function alibiFolder(dir: string): string {
  const src = modelDir("stories260K-mha");
  mkdirSync(dir);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ ...readRawConfig(src), position_embedding: "alibi" }));
  copyFileSync(join(src, "model.safetensors"), join(dir, "model.safetensors"));
  return dir;
}

test("ALiBi: physically pruned heads keep their slopes through repeated head and layer pruning, saved and reloaded", async () => {
  const root = mkdtempSync(join(tmpdir(), "shortgpt-alibi-heads-"));
  try {
    const src = alibiFolder(join(root, "src"));
    const model = loadModel(src);

    // heads 1 of layer 0 and 5 of layer 3
    const m1 = await withoutHeads(model, [[0, 1], [3, 5]]);
    saveHeadPruned(src, join(root, "a"), [[0, 1], [3, 5]]);
    const a = readRawConfig(join(root, "a")) as RawLlamaConfig;
    assert.deepEqual(a.layer_alibi_heads![0], [0, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(a.layer_alibi_heads![3], [0, 1, 2, 3, 4, 6, 7]);
    assertAllClose(await logits(loadModel(join(root, "a"))), await logits(m1), { atol: 0, label: "saved once" });

    // then heads 0 of layers 0 and 3 in the pruned numbering: original heads 0 and 0
    const m2 = await withoutHeads(m1, [[0, 0], [3, 0]]);
    saveHeadPruned(join(root, "a"), join(root, "b"), [[0, 0], [3, 0]]);
    const b = readRawConfig(join(root, "b")) as RawLlamaConfig;
    assert.deepEqual(b.layer_alibi_heads![0], [2, 3, 4, 5, 6, 7]);
    assertAllClose(await logits(loadModel(join(root, "b"))), await logits(m2), { atol: 0, label: "saved twice" });

    // then layer 0 removed: the per-layer lists lose their first entry
    savePrunedLayers(join(root, "b"), join(root, "c"), [0]);
    const c = readRawConfig(join(root, "c")) as RawLlamaConfig;
    assert.deepEqual(c.layer_alibi_heads, b.layer_alibi_heads!.slice(1));
    assertAllClose(await logits(loadModel(join(root, "c"))), await logits(withoutLayers(m2, [0])), {
      atol: 0,
      label: "heads then a layer",
    });
    // and the slopes did matter: the same heads with fresh slopes give other logits
    const fresh = { ...b, layer_alibi_heads: undefined };
    writeFileSync(join(root, "b", "config.json"), JSON.stringify(fresh));
    const differ = await logits(loadModel(join(root, "b")));
    assert.notDeepEqual(differ, await logits(m2));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("layer_alibi_heads is checked when a config is read", () => {
  const raw: RawLlamaConfig = { ...readRawConfig(modelDir("stories260K-mha")), position_embedding: "alibi" };
  const L = raw.num_hidden_layers!;
  const full = Array.from({ length: L }, () => [0, 1, 2, 3, 4, 5, 6, 7]);
  const counts = { layer_num_attention_heads: Array(L).fill(8), layer_num_key_value_heads: Array(L).fill(8) };
  assert.equal(resolveLlamaConfig({ ...raw, ...counts, layer_alibi_heads: full }).alibiHeads!.total, 8);
  const bad = (layer_alibi_heads: unknown, extra: RawLlamaConfig = {}) =>
    assert.throws(
      () => resolveLlamaConfig({ ...raw, ...counts, layer_alibi_heads, ...extra } as RawLlamaConfig),
      (e: unknown) => e instanceof UserError && /layer_alibi_heads/.test(e.message),
      JSON.stringify(layer_alibi_heads).slice(0, 60),
    );
  bad(full.slice(1)); // one list short
  bad([[0, 1, 2, 3, 4, 5, 6, 6], ...full.slice(1)]); // a head twice
  bad([[0, 1, 2, 3, 4, 5, 6, 8], ...full.slice(1)]); // beyond num_attention_heads
  bad([[0, 1, 2], ...full.slice(1)]); // not the layer's head count
  bad("all");
  bad(full, { position_embedding: "rope" }); // only for ALiBi models
});
