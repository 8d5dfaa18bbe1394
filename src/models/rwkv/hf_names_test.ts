/**
 * Hugging Face `RwkvForCausalLM` (RWKV-4) names: the v4 test model, renamed tensor by tensor into
 * a temporary folder with an HF config.json, must give the same logits as the BlinkDL folder.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TensorStore } from "../../io/store.ts";
import { type TensorEntry, writeSafetensors } from "../../io/safetensors_write.ts";
import { test } from "../../testing/harness.ts";
import { assertAllClose } from "../../testing/assert.ts";
import { forward } from "../forward.ts";
import { loadModel } from "../load.ts";
import { bytes } from "./_fixtures.ts";
import type { RwkvModel } from "./model.ts";

const V4 = "testdata/models/tiny-rwkv-4v0-660K";

/** BlinkDL name → Hugging Face name (transformers' convert_rwkv_checkpoint_to_hf.py, in reverse). */
function hfName(name: string): string {
  if (name === "emb.weight") return "rwkv.embeddings.weight";
  if (name === "head.weight") return "head.weight";
  return "rwkv." + name
    .replace(/^blocks\.0\.ln0\./, "blocks.0.pre_ln.")
    .replace(".att.", ".attention.")
    .replace(".ffn.", ".feed_forward.")
    .replace(/\.time_mix_k$/, ".time_mix_key")
    .replace(/\.time_mix_v$/, ".time_mix_value")
    .replace(/\.time_mix_r$/, ".time_mix_receptance");
}

test("a v4 folder with Hugging Face RwkvForCausalLM names and config gives identical logits", async () => {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-rwkv-hf-"));
  try {
    const store = TensorStore.open(V4);
    const entries: TensorEntry[] = [];
    try {
      for (const name of store.names()) {
        const { data, shape } = store.read(name);
        entries.push({
          name: hfName(name),
          dtype: "F32",
          shape,
          bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        });
      }
    } finally {
      store.close();
    }
    assert.ok(entries.some((e) => e.name === "rwkv.blocks.0.attention.time_mix_key"));
    writeSafetensors(join(dir, "model.safetensors"), entries, { format: "pt" });
    // transformers' RwkvConfig fields; rescale_every 6 is HF's default and changes nothing here
    writeFileSync(
      join(dir, "config.json"),
      JSON.stringify({
        architectures: ["RwkvForCausalLM"],
        model_type: "rwkv",
        vocab_size: 256,
        context_length: 1024,
        hidden_size: 128,
        num_hidden_layers: 4,
        attention_hidden_size: 128,
        intermediate_size: 256,
        layer_norm_epsilon: 1e-5,
        bos_token_id: 0,
        eos_token_id: 0,
        rescale_every: 6,
        tie_word_embeddings: false,
      }),
    );
    const hf = loadModel(dir) as unknown as RwkvModel<Float32Array>;
    assert.equal(hf.config.names, "hf");
    assert.equal(hf.config.rescaleEvery, 6);
    const ids = bytes("Hello, RWKV-4 in Hugging Face names!");
    const expected = (await forward(loadModel(V4), ids)).logits!;
    const actual = (await forward(hf, ids)).logits!;
    assertAllClose(actual, expected, { atol: 0, label: "HF-named v4 logits" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
