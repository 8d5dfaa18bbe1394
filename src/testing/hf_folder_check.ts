/**
 * What transformers and safetensors check when they load a folder, re-implemented for the
 * fields shortgpt writes (internal; the tests run it on every folder `prune` and
 * `prune-heads --mode mask` write):
 *
 * - config.json (transformers `configuration_utils.layer_type_validation`): `layer_types` has
 *   `num_hidden_layers` entries, each a known attention type; every other per-layer list of
 *   ours has L entries; `max_window_layers` is at most L.
 * - RoPE (`RotaryEmbeddingConfigMixin.validate_rope`, `_check_received_keys`): the kind has a
 *   validation function, its required keys are present (a missing one raises KeyError), factors
 *   are numbers ≥ 1, llama3's `high_freq_factor` > `low_freq_factor`; `rope_theta` appears in
 *   one place only, or agrees.
 * - safetensors (transformers `modeling_utils.load_state_dict`): every header has
 *   `__metadata__` with `format` in pt / tf / flax / mlx (transformers < 4.48.2 fails without it).
 * - Shards (`save_pretrained`'s layout): `model.safetensors` alone, or
 *   `model-0000i-of-0000n.safetensors` for i = 1..n, none empty, with an index whose
 *   `weight_map` lists exactly the tensors stored and `total_size` their bytes.
 * - The model (src/testing/hf_gptq_check.ts): blocks numbered 0..L−1; for Llama, Mistral and Qwen2
 *   the keys a strict `load_state_dict` expects; for GPTQ folders the quantization config as
 *   transformers, optimum, AutoGPTQ and GPTQModel validate it and each QuantLinear's buffers.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SafetensorsFile, type TensorInfo } from "../io/safetensors.ts";
import { gptqConfigProblems, layerNumberingProblems, LLAMA_LAYOUT_TYPES, stateDictProblems } from "./hf_gptq_check.ts";

const ALLOWED_LAYER_TYPES = ["full_attention", "sliding_attention", "chunked_attention", "linear_attention"];
const ROPE_REQUIRED: Record<string, string[]> = {
  default: [],
  linear: ["factor"],
  dynamic: ["factor"],
  yarn: ["factor", "original_max_position_embeddings"],
  longrope: ["short_factor", "long_factor", "original_max_position_embeddings"],
  llama3: ["factor", "original_max_position_embeddings", "low_freq_factor", "high_freq_factor"],
};

/** The problems transformers would raise on `dir`, one line each (empty: it loads). */
export function hfFolderProblems(dir: string): string[] {
  const problems: string[] = [];
  const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
  const L = cfg.num_hidden_layers as number;
  const types = cfg.layer_types;
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types) || types.length !== L) {
      problems.push(`layer_types has ${Array.isArray(types) ? types.length : "no"} entries, num_hidden_layers is ${L}`);
    } else if (!types.every((t) => ALLOWED_LAYER_TYPES.includes(t))) problems.push(`layer_types has an unknown type`);
  }
  for (const key of ["layer_num_attention_heads", "layer_num_key_value_heads", "layer_alibi_heads"]) {
    const v = cfg[key];
    if (Array.isArray(v) && v.length !== L) problems.push(`${key} has ${v.length} entries, L is ${L}`);
  }
  if (typeof cfg.max_window_layers === "number" && cfg.max_window_layers > L) {
    problems.push(`max_window_layers ${cfg.max_window_layers} exceeds L ${L}`);
  }
  // RoPE: transformers v5 standardizes rope_scaling/rope_theta into one dict, then validates it.
  const block = (cfg.rope_scaling ?? cfg.rope_parameters) as Record<string, unknown> | null | undefined;
  if (block) {
    const kind = String(block.rope_type ?? block.type ?? "default");
    const required = ROPE_REQUIRED[kind];
    if (!required) problems.push(`rope type "${kind}" has no validation function`);
    else {
      const have = { ...block };
      if (["llama3", "yarn", "longrope"].includes(kind)) {
        have.original_max_position_embeddings ??= cfg.original_max_position_embeddings ?? cfg.max_position_embeddings;
      }
      for (const k of required) if (have[k] === undefined) problems.push(`rope ${kind}: missing required key ${k}`);
      const factor = have.factor;
      if (factor !== undefined && (typeof factor !== "number" || factor < 1)) {
        problems.push(`rope ${kind}: factor ${factor}`);
      }
      if (kind === "llama3" && !((have.high_freq_factor as number) > (have.low_freq_factor as number))) {
        problems.push("rope llama3: high_freq_factor must exceed low_freq_factor");
      }
    }
    if (block.rope_theta !== undefined && cfg.rope_theta !== undefined && block.rope_theta !== cfg.rope_theta) {
      problems.push(`rope_theta ${cfg.rope_theta} disagrees with the block's ${block.rope_theta}`);
    }
  }
  // Weights.
  const files = readdirSync(dir).filter((f) => f.endsWith(".safetensors")).sort();
  const indexPath = join(dir, "model.safetensors.index.json");
  if (files.length === 1) {
    if (files[0] !== "model.safetensors") problems.push(`a single shard is named ${files[0]}`);
    if (existsSync(indexPath)) problems.push("an index beside a single model.safetensors");
  } else {
    const n = files.length, pad = (i: number) => String(i).padStart(5, "0");
    const expected = Array.from({ length: n }, (_, i) => `model-${pad(i + 1)}-of-${pad(n)}.safetensors`);
    if (files.join() !== expected.join()) problems.push(`shards ${files.join(", ")}; expected ${expected.join(", ")}`);
  }
  const stored = new Map<string, string>();
  let total = 0;
  const opened = new Map<string, SafetensorsFile>();
  try {
    for (const f of files) {
      const file = SafetensorsFile.open(join(dir, f));
      opened.set(f, file);
      const format = file.metadata?.format;
      if (!["pt", "tf", "flax", "mlx"].includes(String(format))) {
        problems.push(`${f}: __metadata__.format is ${JSON.stringify(format)}; transformers needs "pt"`);
      }
      if (file.tensors.size === 0) problems.push(`${f} holds no tensor`);
      for (const t of file.tensors.values()) {
        stored.set(t.name, f);
        total += t.end - t.begin;
      }
    }
    problems.push(...modelProblems(dir, cfg, opened));
  } finally {
    for (const file of opened.values()) file.close();
  }
  if (files.length > 1) {
    const index = JSON.parse(readFileSync(indexPath, "utf8"));
    const map = index.weight_map as Record<string, string>;
    if (index.metadata?.total_size !== total) {
      problems.push(`index total_size ${index.metadata?.total_size} ≠ ${total}`);
    }
    for (const [name, f] of stored) {
      if (map[name] !== f) problems.push(`index maps ${name} to ${map[name]}, stored in ${f}`);
    }
    for (const name of Object.keys(map)) if (!stored.has(name)) problems.push(`index lists ${name}, stored nowhere`);
  }
  return problems;
}

/**
 * The model-level rules of src/testing/hf_gptq_check.ts: layer numbering always; the GPTQ config
 * when the folder has one (or packed tensors); the strict state dict for the Llama layouts.
 */
function modelProblems(dir: string, cfg: Record<string, unknown>, files: Map<string, SafetensorsFile>): string[] {
  const tensors = new Map<string, TensorInfo>(), where = new Map<string, SafetensorsFile>();
  for (const file of files.values()) {
    for (const t of file.tensors.values()) [tensors.set(t.name, t), where.set(t.name, file)];
  }
  const readInt32 = (name: string) => {
    const bytes = where.get(name)!.readBytes(name);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Int32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getInt32(4 * i, true));
  };
  const problems = layerNumberingProblems(cfg.num_hidden_layers, tensors.keys());
  const sidecarPath = join(dir, "quantize_config.json");
  const sidecar = existsSync(sidecarPath) ? JSON.parse(readFileSync(sidecarPath, "utf8")) : null;
  const gptq = cfg.quantization_config != null || sidecar !== null ||
    [...tensors.keys()].some((n) => n.endsWith(".qweight"));
  if (gptq) problems.push(...gptqConfigProblems(cfg, sidecar));
  if (LLAMA_LAYOUT_TYPES.includes(cfg.model_type as string)) {
    problems.push(...stateDictProblems(cfg, tensors, readInt32));
  }
  return problems;
}
