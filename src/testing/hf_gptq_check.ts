/**
 * What transformers + optimum (with AutoGPTQ's or GPTQModel's kernels) check when they load a
 * GPTQ folder, and what a strict `load_state_dict` of the model they build would demand,
 * re-implemented from their sources (internal; src/testing/hf_folder_check.ts runs it on every
 * folder with a quantization config, and on every Llama-family folder for the state-dict rules).
 * Sources as stored in the search index used to write it: transformers main (v5 dev, 2025) and
 * 4.4x, optimum main, AutoGPTQ 0.7/main, GPTQModel 1.x–4.x; docs/quantization.md lists them.
 *
 * Config (`config.json` `quantization_config`, the only place transformers reads it):
 * - transformers quantizers/auto.py `AutoQuantizationConfig.from_dict`: `quant_method` present, "gptq".
 * - transformers utils/quantization_config.py `GPTQConfig.post_init` and optimum
 *   optimum/gptq/quantizer.py `GPTQQuantizer.__init__`: bits in 2, 3, 4, 8; group_size −1 or > 0;
 *   0 < damp_percent < 1 (default 0.1); `dataset` a list or wikitext2 / c4 / c4-new;
 *   `exllama_config.version` 1 or 2; not both `use_exllama` and `disable_exllama` (4.4x);
 *   `checkpoint_format` a string (`.lower()`), "gptq" or "gptq_v2" (v2: GPTQModel only).
 * - GPTQModel gptqmodel/nn_modules/qlinear/__init__.py `GroupedQuantLinear._validate` with
 *   torch.py `TorchQuantLinear.SUPPORTS_GROUP_SIZE` (the kernel every device has):
 *   group_size in −1, 16, 32, 64, 128, 256, 512, 1024 (before 2025: up to 128).
 * - optimum `GPTQQuantizer.convert_model`: `sum(modules_in_block_to_quantize, [])`, a list of lists
 *   of names.
 * - AutoGPTQ auto_gptq/modeling/_base.py `BaseQuantizeConfig.from_pretrained` (and GPTQModel) read
 *   `quantize_config.json` instead: where both exist they must say the same.
 *
 * Model (optimum `convert_model` → `_replace_by_quant_layers` on the model transformers builds from
 * config.json, then a strict load): every `nn.Linear` whose name starts with the block name
 * (`model.layers`, optimum/gptq/utils.py `get_layers`) and ends with an entry of
 * `modules_in_block_to_quantize` (all of them when it is null) becomes a QuantLinear with buffers
 * (AutoGPTQ auto_gptq/nn_modules/qlinear/qlinear_cuda.py and qlinear_cuda_old.py
 * `QuantLinear.__init__`; GPTQModel `GPTQQuantLinear._register_gptq_buffers`):
 * `qweight` int32 [K // 32 · b, N], `qzeros` int32 [⌈K / group⌉, N // 32 · b], `scales` float16
 * [⌈K / group⌉, N], `g_idx` int32 [K], `bias` float16 [N] when the float linear has one; K and N
 * multiples of 32 (the floor divisions otherwise drop codes). Every other module keeps its float
 * `.weight`; no key is missing or unexpected; the blocks are `model.layers.0 .. L−1`, L =
 * `num_hidden_layers`. Values: `g_idx` in 0..G−1 (kernels index `scales[g_idx]`); without act-order
 * `g_idx[k] = k // group` (AutoGPTQ qlinear_exllama.py `QuantLinear.post_init` passes no g_idx
 * then, so the kernel assumes it); in the v1 format no zero-point field holds 2^b − 1, the
 * "zero point 0" v1 cannot store: AutoGPTQ reads it as 2^b (`zeros + 1` after masking) while
 * GPTQModel's gptqmodel/utils/model.py `convert_gptq_v1_to_v2_format_module` adds 1 to the whole
 * word, so the field wraps to 0 and carries into its neighbour.
 *
 * @module
 */
import { unpackCode } from "../../kernels/cpu/gptq.ts";
import type { TensorInfo } from "../io/safetensors.ts";

/** The GPTQ fixtures in testdata/models, made by an independent implementation (PROVENANCE.md in each). */
export const GPTQ_FIXTURES = [
  "bytellama-12L-gptq-4bit-g32",
  "bytellama-12L-gptq-4bit-g32-actorder",
  "bytellama-12L-rtn-3bit-g32",
  "stories260K-gptq-8bit-g64",
];

/** Reads a stored int32 tensor (little-endian) by name. */
export type Int32Reader = (name: string) => Int32Array;

const GPTQMODEL_GROUP_SIZES = [-1, 16, 32, 64, 128, 256, 512, 1024];
/** The linears of a Llama / Mistral / Qwen2 decoder layer (transformers modeling_llama.py). */
const LINEARS = [
  "self_attn.q_proj",
  "self_attn.k_proj",
  "self_attn.v_proj",
  "self_attn.o_proj",
  "mlp.gate_proj",
  "mlp.up_proj",
  "mlp.down_proj",
];
/** Model types whose module layout {@link stateDictProblems} knows. */
export const LLAMA_LAYOUT_TYPES = ["llama", "mistral", "qwen2"];

type Json = Record<string, unknown>;

/** The problems transformers/optimum/AutoGPTQ/GPTQModel would raise on the quantization config (empty: none). */
export function gptqConfigProblems(cfg: Json, sidecar: Json | null): string[] {
  const qc = cfg.quantization_config as Json | undefined | null;
  if (qc === undefined || qc === null) {
    return [
      "config.json has no quantization_config: transformers would build a float model and find no .weight for the packed linears",
    ];
  }
  const p: string[] = [];
  if (qc.quant_method === undefined) {
    p.push("quantization_config has no quant_method (AutoQuantizationConfig.from_dict raises)");
  } else if (qc.quant_method !== "gptq") {
    p.push(`quantization_config.quant_method is ${JSON.stringify(qc.quant_method)}, not "gptq"`);
  }
  if (![2, 3, 4, 8].includes(qc.bits as number)) {
    p.push(`bits ${JSON.stringify(qc.bits)}: GPTQConfig.post_init takes 2, 3, 4, 8`);
  }
  const g = qc.group_size ?? 128;
  if (!Number.isInteger(g) || (g !== -1 && (g as number) <= 0)) {
    p.push(`group_size ${JSON.stringify(g)}: must be -1 or > 0`);
  } else if (!GPTQMODEL_GROUP_SIZES.includes(g as number)) {
    p.push(`group_size ${g}: GPTQModel's kernels take ${GPTQMODEL_GROUP_SIZES.join(", ")}`);
  }
  const damp = qc.damp_percent ?? 0.1;
  if (!(typeof damp === "number" && damp > 0 && damp < 1)) {
    p.push(`damp_percent ${JSON.stringify(damp)}: must be in (0, 1)`);
  }
  const ds = qc.dataset;
  if (ds !== undefined && ds !== null && !Array.isArray(ds) && !["wikitext2", "c4", "c4-new"].includes(ds as string)) {
    p.push(`dataset ${JSON.stringify(ds)}: GPTQConfig.post_init takes a list or wikitext2, c4, c4-new`);
  }
  const ex = qc.exllama_config as Json | undefined | null;
  if (ex && ![1, 2].includes(ex.version as number)) {
    p.push(`exllama_config.version ${JSON.stringify(ex.version)}: must be 1 or 2`);
  }
  if (qc.use_exllama != null && qc.disable_exllama != null) p.push("both use_exllama and disable_exllama are set");
  const format = qc.checkpoint_format ?? "gptq";
  if (typeof format !== "string" || !["gptq", "gptq_v2"].includes(format.toLowerCase())) {
    p.push(`checkpoint_format ${JSON.stringify(format)}: must be "gptq" or "gptq_v2"`);
  }
  for (const k of ["desc_act", "sym"]) {
    if (qc[k] !== undefined && typeof qc[k] !== "boolean") p.push(`${k} ${JSON.stringify(qc[k])}: must be a boolean`);
  }
  const m = qc.modules_in_block_to_quantize;
  if (m != null && !(Array.isArray(m) && m.every((l) => Array.isArray(l) && l.every((s) => typeof s === "string")))) {
    p.push(`modules_in_block_to_quantize ${JSON.stringify(m)}: must be a list of lists of names`);
  }
  if (sidecar) {
    for (const k of ["bits", "group_size", "desc_act", "sym", "checkpoint_format", "modules_in_block_to_quantize"]) {
      if (JSON.stringify(sidecar[k]) !== JSON.stringify(qc[k])) {
        p.push(
          `quantize_config.json ${k} ${JSON.stringify(sidecar[k])} ≠ quantization_config's ${JSON.stringify(qc[k])}`,
        );
      }
    }
  }
  return p;
}

/** The blocks stored are model.layers.0 .. L−1 with L = num_hidden_layers. */
export function layerNumberingProblems(L: unknown, names: Iterable<string>): string[] {
  const seen = new Set<number>();
  for (const n of names) {
    const m = /^model\.layers\.(\d+)\./.exec(n);
    if (m) seen.add(Number(m[1]));
  }
  const present = [...seen].sort((a, b) => a - b);
  if (present.length === 0) return [];
  if (!Number.isInteger(L) || present.length !== L || present[present.length - 1] !== present.length - 1) {
    return [`num_hidden_layers is ${JSON.stringify(L)} but the stored blocks are model.layers.{${present.join(",")}}`];
  }
  return [];
}

/** One linear of a layer as transformers builds it: in_features K, out_features N, bias or not. */
interface Linear {
  name: string;
  K: number;
  N: number;
  bias: boolean;
}

/** The linears of layer `i` from config.json (transformers LlamaConfig / Qwen2Config defaults). */
function layerLinears(cfg: Json, i: number): Linear[] {
  const at = (key: string, fallback: unknown) => {
    const list = cfg[`layer_${key}`]; // shortgpt's per-layer head counts after prune-heads
    return Array.isArray(list) ? list[i] : (cfg[key] ?? fallback);
  };
  const D = cfg.hidden_size as number, F = cfg.intermediate_size as number;
  const H = at("num_attention_heads", undefined) as number;
  const Hkv = at("num_key_value_heads", H) as number;
  const Hd = (cfg.head_dim as number | undefined) ?? Math.floor(D / (cfg.num_attention_heads as number));
  const qwen2 = cfg.model_type === "qwen2", attnBias = cfg.attention_bias === true, mlpBias = cfg.mlp_bias === true;
  const shapes: [number, number, boolean][] = [
    [D, H * Hd, qwen2 || attnBias],
    [D, Hkv * Hd, qwen2 || attnBias],
    [D, Hkv * Hd, qwen2 || attnBias],
    [H * Hd, D, !qwen2 && attnBias],
    [D, F, mlpBias],
    [D, F, mlpBias],
    [F, D, mlpBias],
  ];
  return LINEARS.map((name, j) => ({ name, K: shapes[j][0], N: shapes[j][1], bias: shapes[j][2] }));
}

/**
 * What a strict `load_state_dict` of the Llama-family model transformers (+ optimum, for a GPTQ
 * folder) builds from `cfg` says of the stored `tensors`: missing and unexpected keys, and for each
 * packed linear its buffers' dtypes, shapes and values (`readInt32` reads them).
 */
export function stateDictProblems(
  cfg: Json,
  tensors: ReadonlyMap<string, TensorInfo>,
  readInt32: Int32Reader,
): string[] {
  const qc = cfg.quantization_config as Json | undefined | null;
  const modules = qc ? (qc.modules_in_block_to_quantize as string[][] | null | undefined) : undefined;
  const listed = Array.isArray(modules) ? modules.flat() : null;
  const expected = new Set<string>(["model.embed_tokens.weight", "model.norm.weight"]);
  if (cfg.tie_word_embeddings === false || (cfg.tie_word_embeddings === undefined && tensors.has("lm_head.weight"))) {
    expected.add("lm_head.weight"); // LlamaConfig's tie_word_embeddings defaults to false; Qwen2's and others' differ
  }
  const p: string[] = [];
  const L = cfg.num_hidden_layers as number;
  for (let i = 0; i < L; i++) {
    const block = `model.layers.${i}`;
    for (const norm of ["input_layernorm", "post_attention_layernorm"]) expected.add(`${block}.${norm}.weight`);
    for (const lin of layerLinears(cfg, i)) {
      const full = `${block}.${lin.name}`;
      const packed = qc != null && (listed === null || listed.some((m) => full.endsWith(m)));
      const keys = packed ? ["qweight", "qzeros", "scales", "g_idx"] : ["weight"];
      if (lin.bias) keys.push("bias");
      for (const k of keys) expected.add(`${full}.${k}`);
      if (packed && keys.every((k) => tensors.has(`${full}.${k}`))) {
        p.push(...quantLinearProblems(full, lin, qc!, tensors, readInt32));
      }
    }
  }
  for (const name of expected) {
    if (!tensors.has(name)) {
      p.push(`missing ${name} (a strict load_state_dict fails; transformers would leave it uninitialised)`);
    }
  }
  for (const name of tensors.keys()) {
    if (!expected.has(name) && !/\.rotary_emb\.inv_freq$/.test(name) && !(name === "lm_head.weight")) {
      p.push(`unexpected ${name} (the model transformers builds has no such key)`);
    }
  }
  return p;
}

/** A QuantLinear's buffers against `QuantLinear.__init__`'s, and the values kernels rely on. */
function quantLinearProblems(
  full: string,
  lin: Linear,
  qc: Json,
  tensors: ReadonlyMap<string, TensorInfo>,
  readInt32: Int32Reader,
): string[] {
  const p: string[] = [];
  const bits = qc.bits as number, { K, N } = lin;
  if (![2, 3, 4, 8].includes(bits)) return p; // reported once by gptqConfigProblems
  const group = (qc.group_size ?? 128) === -1 ? K : (qc.group_size ?? 128) as number;
  const G = Math.ceil(K / group);
  if (K % 32 !== 0 || N % 32 !== 0) {
    p.push(
      `${full}: in_features ${K} and out_features ${N} must be multiples of 32 for QuantLinear (K // 32 * bits rows); keep it dense and list the others in modules_in_block_to_quantize`,
    );
  }
  const want: Record<string, [string, number[]]> = {
    qweight: ["I32", [Math.floor(K / 32) * bits, N]],
    qzeros: ["I32", [G, Math.floor(N / 32) * bits]],
    scales: ["F16", [G, N]],
    g_idx: ["I32", [K]],
    ...(lin.bias ? { bias: ["F16", [N]] as [string, number[]] } : {}),
  };
  let shapesOk = true;
  for (const [part, [dtype, shape]] of Object.entries(want)) {
    const info = tensors.get(`${full}.${part}`)!;
    if (info.dtype !== dtype) p.push(`${full}.${part}: dtype ${info.dtype}, QuantLinear's buffer is ${dtype}`);
    if (info.shape.join() !== shape.join()) {
      p.push(
        `${full}.${part}: shape [${info.shape}], QuantLinear's buffer is [${shape}] (bits ${bits}, group ${group})`,
      );
      shapesOk = false;
    }
  }
  if (!shapesOk || p.length > 0) return p;
  const g_idx = readInt32(`${full}.g_idx`);
  const bad = g_idx.findIndex((g) => g < 0 || g >= G);
  if (bad >= 0) p.push(`${full}.g_idx[${bad}] is ${g_idx[bad]}; groups run 0..${G - 1}`);
  else if (qc.desc_act !== true && g_idx.some((g, k) => g !== Math.floor(k / group))) {
    p.push(`${full}.g_idx is not k // ${group} but desc_act is false (exllama kernels then ignore g_idx)`);
  }
  if ((qc.checkpoint_format ?? "gptq") === "gptq") {
    const qzeros = readInt32(`${full}.qzeros`), words = (N / 32) * bits, max = 2 ** bits - 1;
    for (let g = 0; g < G; g++) {
      const n = Array.from({ length: N }, (_, n) => n).find((n) => unpackCode(qzeros, g * words, 1, n, bits) === max);
      if (n !== undefined) {
        p.push(
          `${full}.qzeros[${g}, ${n}] stores ${max}: a zero point of 0, which v1 ("gptq") cannot hold (AutoGPTQ reads ${
            max + 1
          }, GPTQModel 0 and carries into the next column)`,
        );
        break;
      }
    }
  }
  return p;
}
