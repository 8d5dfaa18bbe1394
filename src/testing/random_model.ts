/**
 * Small random-weight Llama-family folders for tests, built from a real config.json with its
 * dimensions shrunk and every position and window field kept (internal).
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomArray } from "../../kernels/cpu/_random.ts";
import type { RawConfig } from "../io/config_json.ts";
import { resolveLlamaConfig } from "../models/llama/config.ts";
import { stringifyJsonFloats } from "../io/json_floats.ts";
import { type TensorEntry, writeSafetensors } from "../io/safetensors_write.ts";
import { fromFloat32 } from "../tensor.ts";

/** Shrunk sizes: L ≤ 4 layers, H = 4 heads of Hd = 8, Hkv = 2 (or 4 without GQA), F = 48, V = 64. */
export function shrinkConfig(raw: RawConfig, layers = 4): RawConfig {
  const L = Math.min(Number(raw.num_hidden_layers), layers);
  const gqa = raw.num_key_value_heads !== undefined && raw.num_key_value_heads !== raw.num_attention_heads;
  const out: RawConfig = {
    ...raw,
    hidden_size: 32,
    intermediate_size: 48,
    num_attention_heads: 4,
    num_key_value_heads: gqa ? 2 : 4,
    num_hidden_layers: L,
    vocab_size: 64,
  };
  if (raw.head_dim !== undefined) out.head_dim = 8;
  if (Array.isArray(raw.layer_types)) out.layer_types = raw.layer_types.slice(0, L);
  if (typeof raw.max_window_layers === "number") out.max_window_layers = Math.min(raw.max_window_layers, L);
  for (const k of ["bos_token_id", "eos_token_id", "pad_token_id"]) {
    const v = out[k];
    if (typeof v === "number") out[k] = v % 64;
    if (Array.isArray(v)) out[k] = v.map((x) => x % 64);
  }
  return out;
}

/**
 * Writes a folder with `config` and random weights of the shapes it implies (F32), split into
 * `shards` safetensors files (embeddings first, then layers, then the head) with an index;
 * config.json is written with the numbers at `floats` as floats (io/json_floats.ts).
 */
export function writeRandomModel(
  dir: string,
  config: RawConfig,
  { seed = 1, shards = 1, floats = new Set<string>() }: {
    seed?: number;
    shards?: number;
    floats?: ReadonlySet<string>;
  } = {},
): void {
  const cfg = resolveLlamaConfig(config);
  const { hiddenSize: D, intermediateSize: F, headDim: Hd, vocabSize: V } = cfg;
  const tensors: [string, number[]][] = [["model.embed_tokens.weight", [V, D]]];
  for (let l = 0; l < cfg.numLayers; l++) {
    const p = `model.layers.${l}`, H = cfg.numHeads[l], Hkv = cfg.numKvHeads[l];
    tensors.push([`${p}.input_layernorm.weight`, [D]], [`${p}.post_attention_layernorm.weight`, [D]]);
    if (cfg.fusedQkv) tensors.push([`${p}.self_attn.W_pack.weight`, [(H + 2 * Hkv) * Hd, D]]);
    else {
      tensors.push(
        [`${p}.self_attn.q_proj.weight`, [H * Hd, D]],
        [`${p}.self_attn.k_proj.weight`, [Hkv * Hd, D]],
        [`${p}.self_attn.v_proj.weight`, [Hkv * Hd, D]],
      );
    }
    if (cfg.qkvBias) {
      tensors.push(
        [`${p}.self_attn.q_proj.bias`, [H * Hd]],
        [`${p}.self_attn.k_proj.bias`, [Hkv * Hd]],
        [`${p}.self_attn.v_proj.bias`, [Hkv * Hd]],
      );
    }
    tensors.push(
      [`${p}.self_attn.o_proj.weight`, [D, H * Hd]],
      [`${p}.mlp.gate_proj.weight`, [F, D]],
      [`${p}.mlp.up_proj.weight`, [F, D]],
      [`${p}.mlp.down_proj.weight`, [D, F]],
    );
  }
  tensors.push(["model.norm.weight", [D]]);
  if (!cfg.tieWordEmbeddings) tensors.push(["lm_head.weight", [V, D]]);
  const entries: TensorEntry[] = tensors.map(([name, shape], i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    // Norm weights near 1, matrices scaled by 1/sqrt(fan-in) so activations stay O(1).
    const isNorm = name.endsWith("layernorm.weight") || name === "model.norm.weight";
    const data = randomArray(n, seed * 1000 + i, isNorm ? 0.1 : 1 / Math.sqrt(shape[shape.length - 1]));
    if (isNorm) { for (let j = 0; j < n; j++) data[j] += 1; }
    return { name, dtype: "F32" as const, shape, bytes: fromFloat32(data, "F32") };
  });
  writeFileSync(join(dir, "config.json"), stringifyJsonFloats(config, floats) + "\n");
  const per = Math.ceil(entries.length / shards);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const name = shards === 1 ? "model.safetensors" : `model-${s + 1}-of-${shards}.safetensors`;
    const part = entries.slice(s * per, (s + 1) * per);
    for (const e of part) weightMap[e.name] = name;
    writeSafetensors(join(dir, name), part);
  }
  if (shards > 1) {
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  }
}
