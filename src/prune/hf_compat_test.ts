// Folders we write must load in Hugging Face: every folder `prune` and `prune-heads --mode mask`
// write from the corpus-derived models (testdata/configs, shrunk, random weights, sharded)
// passes hfFolderProblems (transformers' config validation and safetensors' metadata rule), keeps
// the input's floats floats, and says in README.md what was done.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseJsonFloats } from "../io/json_floats.ts";
import { resolveLlamaConfig } from "../models/llama/config.ts";
import { forward } from "../models/forward.ts";
import { loadModel } from "../models/load.ts";
import { assertAllClose } from "../testing/assert.ts";
import { hfFolderProblems } from "../testing/hf_folder_check.ts";
import { test } from "../testing/harness.ts";
import { shrinkConfig, writeRandomModel } from "../testing/random_model.ts";
import { keptRanges } from "./mergekit.ts";
import { saveHeadPruned } from "./remove_heads_save.ts";
import { withoutLayers } from "./remove_layers.ts";
import { savePrunedLayers } from "./save.ts";

const CORPUS = "testdata/configs";

/** Each corpus file (legacy and v5), shrunk to 4 layers and written in 3 shards with its floats. */
function* corpusModels(root: string): Generator<{ name: string; dir: string }> {
  for (const version of ["v4", "v5"]) {
    for (const f of readdirSync(join(CORPUS, version))) {
      const { value, floats } = parseJsonFloats(readFileSync(join(CORPUS, version, f), "utf8"));
      const name = `${version}-${f.replace(/\.json$/, "")}`;
      const dir = join(root, name);
      mkdirSync(dir);
      writeRandomModel(dir, shrinkConfig(value as Record<string, unknown>), { shards: 3, floats });
      yield { name, dir };
    }
  }
}

test("every folder prune and prune-heads --mode mask write from the corpus passes transformers' checks", () => {
  const root = mkdtempSync(join(tmpdir(), "shortgpt-hf-"));
  try {
    for (const { name, dir } of corpusModels(root)) {
      // (The inputs are foreign on purpose: shards named model-1-of-3, no __metadata__, no total_size.)
      // Layers 2 and 3 sit in the last shards: removing them empties a shard.
      const layers = join(root, `${name}-layers`);
      savePrunedLayers(dir, layers, [1, 2], { metric: "bi", calibration: "tinystories, 2 windows of 64 tokens" });
      assert.deepEqual(hfFolderProblems(layers), [], `${name}: prune`);
      const masked = join(root, `${name}-mask`);
      saveHeadPruned(dir, masked, [[0, 1], [3, 2]], { mode: "mask" });
      assert.deepEqual(hfFolderProblems(masked), [], `${name}: prune-heads --mode mask`);
      const both = join(root, `${name}-both`);
      saveHeadPruned(layers, both, [[1, 0]], { mode: "mask" });
      assert.deepEqual(hfFolderProblems(both), [], `${name}: prune, then prune-heads`);
    }
  } finally {
    rmSync(root, { recursive: true });
  }
});

test("pruning filters layer_types and max_window_layers, keeps floats, drops empty shards, and reloads exactly", async () => {
  const root = mkdtempSync(join(tmpdir(), "shortgpt-hf-"));
  try {
    const { value, floats } = parseJsonFloats(readFileSync(join(CORPUS, "v5", "qwen2-7b.json"), "utf8"));
    const cfg = {
      ...shrinkConfig(value as Record<string, unknown>),
      use_sliding_window: true,
      sliding_window: 3,
      max_window_layers: 2,
      layer_types: ["full_attention", "full_attention", "sliding_attention", "sliding_attention"],
    };
    const src = join(root, "qwen");
    mkdirSync(src);
    writeRandomModel(src, cfg, { shards: 3, floats });
    const out = join(root, "pruned");
    savePrunedLayers(src, out, [1, 3], { metric: "bi" });
    const text = readFileSync(join(out, "config.json"), "utf8");
    const written = JSON.parse(text);
    assert.deepEqual(written.layer_types, ["full_attention", "sliding_attention"]);
    assert.equal(written.max_window_layers, 1); // kept layers 0 (< 2) and 2 (≥ 2)
    assert.match(text, /"rope_theta": 1000000\.0/);
    assert.match(text, /"initializer_range": 0\.02/);
    assert.deepEqual(resolveLlamaConfig(written).layerWindows, [null, 3]);
    // Shards: every written shard holds tensors and is named for the count written.
    const shards = readdirSync(out).filter((f) => f.endsWith(".safetensors")).sort();
    assert.ok(shards.every((f) => /^model-0000\d-of-0000\d\.safetensors$/.test(f)), shards.join());
    assert.deepEqual(hfFolderProblems(out), []);
    const ids = Int32Array.from({ length: 16 }, (_, i) => (i * 11) % 64);
    const expected = await forward(withoutLayers(loadModel(src), [1, 3]), ids);
    assertAllClose((await forward(loadModel(out), ids)).logits!, expected.logits!, { atol: 0, label: "reloaded" });
  } finally {
    rmSync(root, { recursive: true });
  }
});

test("a shard emptied by pruning is not written and the rest are renamed 1..n", () => {
  const root = mkdtempSync(join(tmpdir(), "shortgpt-hf-"));
  try {
    const { value } = parseJsonFloats(readFileSync(join(CORPUS, "v4", "llama-3-8b.json"), "utf8"));
    const src = join(root, "llama");
    mkdirSync(src);
    // 4 layers of 9 tensors + embed + norm + head = 39 tensors in 13 shards of 3: layer 3 fills shards.
    writeRandomModel(src, shrinkConfig(value as Record<string, unknown>), { shards: 13 });
    const out = join(root, "pruned");
    savePrunedLayers(src, out, [3]);
    const shards = readdirSync(out).filter((f) => f.endsWith(".safetensors")).sort();
    assert.ok(shards.length < 13, `${shards.length} shards`);
    assert.equal(
      shards[shards.length - 1],
      `model-${String(shards.length).padStart(5, "0")}-of-${String(shards.length).padStart(5, "0")}.safetensors`,
    );
    assert.deepEqual(hfFolderProblems(out), []);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test("the model card names the base model, the removed layers, the metric and the calibration; --mergekit writes the slices", () => {
  const root = mkdtempSync(join(tmpdir(), "shortgpt-hf-"));
  try {
    const { value } = parseJsonFloats(readFileSync(join(CORPUS, "v4", "llama-2-7b.json"), "utf8"));
    const src = join(root, "llama2");
    mkdirSync(src);
    writeRandomModel(src, shrinkConfig(value as Record<string, unknown>));
    const out = join(root, "pruned");
    savePrunedLayers(src, out, [1, 2], { metric: "bi", calibration: "wiki.txt, 4 windows", mergekit: true });
    const card = readFileSync(join(out, "README.md"), "utf8");
    assert.match(card, /^---\nbase_model: meta-llama\/Llama-2-7b-hf\n/);
    assert.match(card, /Layers removed \(original numbering\): 1, 2/);
    assert.match(card, /lowest bi/);
    assert.match(card, /Calibration: wiki\.txt, 4 windows/);
    const yaml = readFileSync(join(out, "mergekit.yaml"), "utf8");
    assert.match(yaml, /layer_range: \[0, 1\][\s\S]*layer_range: \[3, 4\]/);
    assert.match(yaml, /merge_method: passthrough/);
    assert.deepEqual(keptRanges([0, 1, 2, 5, 7, 8]), [[0, 3], [5, 6], [7, 9]]);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test("the checker reports what transformers refuses: a stale layer_types, a header without format, a missing rope key", () => {
  const root = mkdtempSync(join(tmpdir(), "shortgpt-hf-"));
  try {
    const { value } = parseJsonFloats(readFileSync(join(CORPUS, "v5", "qwen2-7b.json"), "utf8"));
    const dir = join(root, "q");
    mkdirSync(dir);
    const cfg = shrinkConfig(value as Record<string, unknown>);
    writeRandomModel(dir, cfg);
    const bad = {
      ...cfg,
      layer_types: [...(cfg.layer_types as string[]), "full_attention"],
      rope_parameters: { rope_type: "llama3", factor: 8, rope_theta: 1e6 },
    };
    writeFileSync(join(dir, "config.json"), JSON.stringify(bad));
    const problems = hfFolderProblems(dir).join("\n");
    assert.match(problems, /layer_types has 5 entries, num_hidden_layers is 4/);
    assert.match(problems, /__metadata__\.format is undefined/);
    assert.match(problems, /missing required key low_freq_factor/);
  } finally {
    rmSync(root, { recursive: true });
  }
});
