/**
 * Writes a random-weight Hugging Face Llama folder of a real model's shape, for benchmarks of
 * scale (layer streaming, streaming prune). Not used by the tests (disk and time).
 *
 *   deno run -A bench/make_synthetic.ts --shape llama2-7b --dtype bf16 --out /tmp/llama2-7b
 *   shapes: stories110m, tinyllama-1.1b, llama2-7b      dtypes: f32, f16, bf16
 *
 * Shards of at most --shard-gb GiB (default 4) with model.safetensors.index.json. The 7B shape
 * in bf16 is 13.5 GB. Values are uniform in ±0.035 (std 0.02), norms 1, deterministic per tensor.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { flag } from "./_machine.ts";
import { type TensorEntry, writeSafetensors } from "../src/io/safetensors_write.ts";
import { fromFloat32, numel } from "../src/tensor.ts";
import { randomArray, SHAPES } from "../src/testing/shapes.ts";

const shapeName = flag("shape", "stories110m")!;
const dtype = flag("dtype", "bf16")!.toUpperCase() as "F32" | "F16" | "BF16";
const out = flag("out");
const shardBytes = Number(flag("shard-gb", "4")) * 2 ** 30;
const s = SHAPES[shapeName];
if (!s || !out || !["F32", "F16", "BF16"].includes(dtype)) {
  console.error(
    `usage: make_synthetic.ts --shape ${Object.keys(SHAPES).join("|")} --dtype f32|f16|bf16 --out DIR [--shard-gb 4]`,
  );
  process.exit(1);
}

const D = s.dim, F = s.ffn, V = s.vocab, Hd = D / s.heads;
const tensors: { name: string; shape: number[]; ones?: boolean }[] = [{
  name: "model.embed_tokens.weight",
  shape: [V, D],
}];
for (let i = 0; i < s.layers; i++) {
  const p = `model.layers.${i}`;
  tensors.push(
    { name: `${p}.input_layernorm.weight`, shape: [D], ones: true },
    { name: `${p}.self_attn.q_proj.weight`, shape: [s.heads * Hd, D] },
    { name: `${p}.self_attn.k_proj.weight`, shape: [s.kvHeads * Hd, D] },
    { name: `${p}.self_attn.v_proj.weight`, shape: [s.kvHeads * Hd, D] },
    { name: `${p}.self_attn.o_proj.weight`, shape: [D, s.heads * Hd] },
    { name: `${p}.post_attention_layernorm.weight`, shape: [D], ones: true },
    { name: `${p}.mlp.gate_proj.weight`, shape: [F, D] },
    { name: `${p}.mlp.up_proj.weight`, shape: [F, D] },
    { name: `${p}.mlp.down_proj.weight`, shape: [D, F] },
  );
}
tensors.push({ name: "model.norm.weight", shape: [D], ones: true }, { name: "lm_head.weight", shape: [V, D] });

const size = { F32: 4, F16: 2, BF16: 2 }[dtype];
const shards: (typeof tensors)[] = [[]];
let used = 0;
for (const t of tensors) {
  const bytes = numel(t.shape) * size;
  if (used > 0 && used + bytes > shardBytes) shards.push([]), used = 0;
  shards[shards.length - 1].push(t);
  used += bytes;
}

mkdirSync(out, { recursive: true });
const weightMap: Record<string, string> = {};
let total = 0, seed = 1;
const t0 = performance.now();
shards.forEach((shard, k) => {
  const file = shards.length === 1
    ? "model.safetensors"
    : `model-${String(k + 1).padStart(5, "0")}-of-${String(shards.length).padStart(5, "0")}.safetensors`;
  const entries: TensorEntry[] = shard.map((t) => {
    const mySeed = seed++;
    weightMap[t.name] = file;
    total += numel(t.shape) * size;
    return {
      name: t.name,
      dtype,
      shape: t.shape,
      bytes: () =>
        fromFloat32(
          t.ones ? new Float32Array(numel(t.shape)).fill(1) : randomArray(numel(t.shape), mySeed, 0.035),
          dtype,
        ),
    };
  });
  writeSafetensors(join(out, file), entries, { format: "pt" });
  console.error(`wrote ${file} (${shard.length} tensors) ${((performance.now() - t0) / 1000).toFixed(0)} s`);
});
if (shards.length > 1) {
  writeFileSync(
    join(out, "model.safetensors.index.json"),
    JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2),
  );
}
writeFileSync(
  join(out, "config.json"),
  JSON.stringify(
    {
      architectures: ["LlamaForCausalLM"],
      model_type: "llama",
      hidden_size: D,
      intermediate_size: F,
      num_hidden_layers: s.layers,
      num_attention_heads: s.heads,
      num_key_value_heads: s.kvHeads,
      vocab_size: V,
      max_position_embeddings: 4096,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: false,
      torch_dtype: { F32: "float32", F16: "float16", BF16: "bfloat16" }[dtype],
      shortgpt_synthetic: `random weights in the ${shapeName} shape (bench/make_synthetic.ts)`,
    },
    null,
    2,
  ) + "\n",
);
console.log(
  `${out}: ${shapeName}, ${dtype}, ${(total / 2 ** 30).toFixed(2)} GiB in ${shards.length} shard(s), ${
    ((performance.now() - t0) / 1000).toFixed(0)
  } s`,
);
