// Families without a real shared model (qwen2, mistral, baichuan, untied head) are pinned by
// their differences from Llama: each folder here is built from stories260K (or babyllama105)
// so that the family's extra piece is neutral or equivalent, and must give the same logits.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RawLlamaConfig } from "./llama/config.ts";
import { readRawConfig } from "../io/config_json.ts";
import { writeSafetensors } from "../io/safetensors_write.ts";
import { TensorStore } from "../io/store.ts";
import { fromFloat32, type Tensor } from "../tensor.ts";
import { assertAllClose, maxAbsDiff } from "../testing/assert.ts";
import { modelDir } from "../testing/golden.ts";
import { test } from "../testing/harness.ts";
import { forward } from "./forward.ts";
import { loadModel } from "./load.ts";

const SOURCE = modelDir("stories260K");
const IDS = Int32Array.from([1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315]);

/** Writes a model folder from a config and float32 tensors; returns its path. */
function writeFolder(config: RawLlamaConfig, tensors: Map<string, Tensor>): string {
  const dir = mkdtempSync(join(tmpdir(), "shortgpt-family-"));
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  writeSafetensors(
    join(dir, "model.safetensors"),
    [...tensors].map(([name, t]) => ({
      name,
      dtype: "F32" as const,
      shape: t.shape,
      bytes: fromFloat32(t.data, "F32"),
    })),
  );
  return dir;
}

function sourceTensors(): Map<string, Tensor> {
  const store = TensorStore.open(SOURCE);
  const m = new Map(store.names().map((n) => [n, store.read(n)] as const));
  store.close();
  return m;
}

async function logitsOf(dir: string): Promise<Float32Array> {
  const model = loadModel(dir);
  return (await forward(model, IDS)).logits!;
}

async function withFolder(config: RawLlamaConfig, tensors: Map<string, Tensor>, check: (dir: string) => Promise<void>) {
  const dir = writeFolder(config, tensors);
  try {
    await check(dir);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

/** Replaces each layer's q/k/v projections by Baichuan's fused `W_pack` (rows q, then k, then v). */
function fuseWPack(tensors: Map<string, Tensor>): void {
  for (let i = 0; i < L; i++) {
    const p = `model.layers.${i}.self_attn`;
    const parts = ["q", "k", "v"].map((x) => tensors.get(`${p}.${x}_proj.weight`)!);
    const pack = new Float32Array(parts.reduce((n, t) => n + t.data.length, 0));
    let o = 0;
    for (const t of parts) pack.set(t.data, o), o += t.data.length;
    for (const x of ["q", "k", "v"]) tensors.delete(`${p}.${x}_proj.weight`);
    tensors.set(`${p}.W_pack.weight`, { data: pack, shape: [pack.length / D, D] });
  }
}

const base = await logitsOf(SOURCE);
const raw = readRawConfig(SOURCE) as RawLlamaConfig;
const L = raw.num_hidden_layers!, D = raw.hidden_size!, H = raw.num_attention_heads!, Hkv = raw.num_key_value_heads!;
const Hd = raw.head_dim!;

test("a qwen2 folder with zero q/k/v biases gives the llama logits; nonzero biases change them", async () => {
  const tensors = sourceTensors();
  for (let i = 0; i < L; i++) {
    tensors.set(`model.layers.${i}.self_attn.q_proj.bias`, { data: new Float32Array(H * Hd), shape: [H * Hd] });
    tensors.set(`model.layers.${i}.self_attn.k_proj.bias`, { data: new Float32Array(Hkv * Hd), shape: [Hkv * Hd] });
    tensors.set(`model.layers.${i}.self_attn.v_proj.bias`, { data: new Float32Array(Hkv * Hd), shape: [Hkv * Hd] });
  }
  await withFolder({ ...raw, model_type: "qwen2" }, tensors, async (dir) => {
    assertAllClose(await logitsOf(dir), base, { atol: 1e-6, label: "qwen2 zero-bias logits" });
  });
  tensors.get("model.layers.0.self_attn.v_proj.bias")!.data.fill(0.5);
  await withFolder({ ...raw, model_type: "qwen2" }, tensors, async (dir) => {
    assert.ok(maxAbsDiff(await logitsOf(dir), base) > 1e-3, "a v bias must change the logits");
  });
});

test("a baichuan folder with q/k/v fused into W_pack gives the llama logits", async () => {
  // Baichuan has no grouped-query attention: fuse the MHA variant's q/k/v into W_pack [3·D, D].
  const store = TensorStore.open(modelDir("stories260K-mha"));
  const mha = new Map(store.names().map((n) => [n, store.read(n)] as const));
  store.close();
  fuseWPack(mha);
  const config = { ...raw, model_type: "baichuan", num_key_value_heads: undefined, norm_head: false };
  await withFolder(config, mha, async (dir) => {
    assertAllClose(await logitsOf(dir), await logitsOf(modelDir("stories260K-mha")), {
      atol: 1e-6,
      label: "W_pack logits",
    });
  });
});

test("Baichuan 2's NormHead divides each lm_head row by its norm", async () => {
  const tensors = sourceTensors();
  const emb = tensors.get("model.embed_tokens.weight")!;
  const V = emb.shape[0];
  // Pre-normalise the rows of an untied head: NormHead must then change nothing.
  const head = new Float32Array(emb.data);
  for (let r = 0; r < V; r++) {
    let ss = 0;
    for (let c = 0; c < D; c++) ss += head[r * D + c] ** 2;
    for (let c = 0; c < D; c++) head[r * D + c] /= Math.sqrt(ss);
  }
  tensors.set("lm_head.weight", { data: head, shape: [V, D] });
  const untied = { ...raw, tie_word_embeddings: false };
  let plain!: Float32Array;
  await withFolder(untied, tensors, async (dir) => void (plain = await logitsOf(dir)));
  const mhaLike = { ...untied, model_type: "baichuan", max_position_embeddings: 512 };
  fuseWPack(tensors);
  await withFolder(mhaLike, tensors, async (dir) => {
    assertAllClose(await logitsOf(dir), plain, { atol: 1e-5, label: "NormHead on unit rows" });
  });
});

test("an untied lm_head equal to the embeddings gives the tied logits; a different one does not", async () => {
  const tensors = sourceTensors();
  const emb = tensors.get("model.embed_tokens.weight")!;
  tensors.set("lm_head.weight", { data: new Float32Array(emb.data), shape: emb.shape });
  await withFolder({ ...raw, tie_word_embeddings: false }, tensors, async (dir) => {
    assertAllClose(await logitsOf(dir), base, { atol: 0, label: "untied copy" });
  });
  tensors.get("lm_head.weight")!.data[0] += 1;
  await withFolder({ ...raw, tie_word_embeddings: false }, tensors, async (dir) => {
    assert.ok(maxAbsDiff(await logitsOf(dir), base) > 0);
  });
});

test("a mistral folder whose sliding window covers the sequence gives the llama logits; a short window does not", async () => {
  await withFolder({ ...raw, model_type: "mistral", sliding_window: 4096 }, sourceTensors(), async (dir) => {
    assertAllClose(await logitsOf(dir), base, { atol: 0, label: "mistral window 4096" });
  });
  await withFolder({ ...raw, model_type: "mistral", sliding_window: 4 }, sourceTensors(), async (dir) => {
    const l = await logitsOf(dir);
    const V = raw.vocab_size!;
    // Positions inside the window are unchanged; later ones differ.
    assertAllClose(l.subarray(0, 4 * V), base.subarray(0, 4 * V), { atol: 0, label: "first 4 positions" });
    assert.ok(maxAbsDiff(l, base) > 1e-3);
  });
});

test("a baichuan folder without max_position_embeddings or rope_theta uses ALiBi; position_embedding overrides", async () => {
  const tensors = sourceTensors();
  const mk = (extra: RawLlamaConfig) => {
    const c: RawLlamaConfig = { ...raw, ...extra, model_type: "baichuan", norm_head: false };
    delete c.max_position_embeddings;
    delete c.rope_theta;
    return c;
  };
  fuseWPack(tensors);
  await withFolder(mk({ position_embedding: "rope", rope_theta: 10000 }), tensors, async (dir) => {
    assertAllClose(await logitsOf(dir), base, { atol: 1e-6, label: "baichuan with explicit rope" });
  });
  await withFolder(mk({}), tensors, async (dir) => {
    const model = loadModel(dir);
    assert.equal((model.blocks[0] as unknown as { shape: { alibi: unknown } }).shape.alibi !== null, true);
    assert.ok(maxAbsDiff((await forward(model, IDS)).logits!, base) > 1e-3, "ALiBi must differ from RoPE");
  });
});
