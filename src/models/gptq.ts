/**
 * GPTQ checkpoints: the quantization config of a folder and its packed linear layers, read and
 * checked (the packing and dequantization rule is in kernels/cpu/gptq.ts).
 *
 * Where the config comes from: `config.json`'s `quantization_config` (transformers
 * src/transformers/utils/quantization_config.py, `GPTQConfig`), else `quantize_config.json`
 * (AutoGPTQ auto_gptq/modeling/_base.py, `BaseQuantizeConfig.from_pretrained`, which also reads
 * `quant_config.json`). Fields used: `bits` (2, 3, 4 or 8: AutoGPTQ
 * auto_gptq/nn_modules/qlinear/qlinear_cuda.py `QuantLinear.__init__` refuses others),
 * `group_size` (−1 means one group over all inputs: `self.group_size = group_size if group_size
 * != -1 else infeatures` there), `desc_act`, `sym`, `checkpoint_format` ("gptq" = v1, zero points
 * stored minus one; "gptq_v2" stored as is: GPTQModel gptqmodel/quantization/config.py
 * `FORMAT`, gptqmodel/utils/model.py `convert_gptq_v1_to_v2_format`) and
 * `modules_in_block_to_quantize` (optimum optimum/gptq/quantizer.py,
 * `GPTQQuantizer.get_modules_to_quantize`: the linears of a block that are packed; the others
 * stay dense `.weight`s). A linear is read as packed when its `qweight` is in the checkpoint and
 * as a float `.weight` otherwise, so a folder that mixes them loads either way.
 *
 * Buffer shapes (AutoGPTQ qlinear_cuda.py `QuantLinear.__init__`): `qweight` [K·b/32, N] int32,
 * `qzeros` [⌈K/group⌉, N·b/32] int32, `scales` [⌈K/group⌉, N] float16, `g_idx` [K] int32 (when
 * absent, `k // group`, as `QuantLinear.__init__` initialises it), `bias` [N] optional.
 *
 * @module
 */
import { type GptqLinear, packedWords } from "../../kernels/cpu/gptq.ts";
import { UserError } from "../errors.ts";
import type { TensorReader } from "../io/tensor_reader.ts";
import { shapeString } from "../tensor.ts";
import type { Getter, Weights } from "./weights.ts";

/** The resolved quantization config of a GPTQ folder. */
export interface GptqConfig {
  /** Bits per code b (`bits`). */
  bits: 2 | 3 | 4 | 8;
  /** Inputs per group; −1 in the file becomes K (one group) per layer. */
  groupSize: number;
  /** `desc_act` (act-order): columns were quantized in order of decreasing Hessian diagonal, so `g_idx` is not ascending. */
  descAct: boolean;
  /** `sym`: symmetric quantization (every zero point is 2^(b−1)). */
  sym: boolean;
  /** "gptq" (v1: zero points stored minus one) or "gptq_v2". */
  checkpointFormat: "gptq" | "gptq_v2";
  /** The block's packed linears by name ("self_attn.q_proj"), or null: every linear with a qweight. */
  modulesInBlock: string[] | null;
  /** Where it was read (for messages). */
  source: string;
  /** The dict as stored, to be written back unchanged into a pruned folder. */
  raw: Record<string, unknown>;
}

/** The files AutoGPTQ reads the config from when config.json has no `quantization_config`. */
export const GPTQ_CONFIG_FILES = ["quantize_config.json", "quant_config.json"] as const;

/**
 * The GPTQ config `stored` (config.json's `quantization_config` or the parsed `quantize_config.json`)
 * checked and resolved; `source` says where it was read, for messages. Throws a UserError for
 * another quantization method or an unsupported field value. Reading the folder is
 * src/models/gptq_folder.ts's job, so this module stays free of file access (the browser build
 * imports it).
 */
export function gptqConfigFrom(stored: unknown, source: string): GptqConfig {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) {
    throw new UserError(`${source} is ${JSON.stringify(stored)}; expected an object`);
  }
  const qc = stored as Record<string, unknown>;
  const method = qc.quant_method ?? "gptq"; // AutoGPTQ's quantize_config.json predates the field
  if (method !== "gptq") {
    throw new UserError(
      `${source} has quant_method ${
        JSON.stringify(method)
      }; only "gptq" checkpoints are supported (dequantize it first)`,
    );
  }
  const bits = qc.bits;
  if (bits !== 2 && bits !== 3 && bits !== 4 && bits !== 8) {
    throw new UserError(
      `${source} has bits ${JSON.stringify(bits)}; supported: 2, 3, 4, 8 (as AutoGPTQ's QuantLinear)`,
    );
  }
  const groupSize = qc.group_size ?? 128;
  if (typeof groupSize !== "number" || !Number.isInteger(groupSize) || (groupSize < 1 && groupSize !== -1)) {
    throw new UserError(`${source} has group_size ${JSON.stringify(groupSize)}; expected a positive integer or -1`);
  }
  const format = qc.checkpoint_format ?? "gptq";
  if (format !== "gptq" && format !== "gptq_v2") {
    throw new UserError(
      `${source} has checkpoint_format ${JSON.stringify(format)}; supported: "gptq" (v1) and "gptq_v2"`,
    );
  }
  const modules = qc.modules_in_block_to_quantize;
  if (modules !== undefined && modules !== null && !(Array.isArray(modules) && modules.every(Array.isArray))) {
    throw new UserError(
      `${source} has modules_in_block_to_quantize ${JSON.stringify(modules)}; expected a list of lists of names`,
    );
  }
  return {
    bits,
    groupSize,
    descAct: qc.desc_act === true,
    sym: qc.sym !== false,
    checkpointFormat: format,
    modulesInBlock: Array.isArray(modules) ? (modules as unknown[][]).flat().map(String) : null,
    source,
    raw: qc,
  };
}

/**
 * The stored int32 tensor `name` (no conversion to float), after checking dtype and shape; empty
 * when `shapesOnly`.
 */
function readInt32(store: TensorReader, name: string, shape: number[], why: string, shapesOnly = false): Int32Array {
  const info = store.info(name)!;
  if (info.dtype !== "I32") {
    throw new UserError(`Tensor "${name}" has dtype ${info.dtype}; GPTQ stores it as I32`);
  }
  checkShape(name, info.shape, shape, why);
  if (shapesOnly) return new Int32Array(0);
  const bytes = store.readBytes(name);
  const out = new Int32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(4 * i, true);
  return out;
}

function checkShape(name: string, got: readonly number[], want: number[], why: string): void {
  if (got.length !== want.length || got.some((s, i) => s !== want[i])) {
    throw new UserError(`Tensor "${name}" has shape ${shapeString(got)} but ${why} imply ${shapeString(want)}`);
  }
}

/**
 * Whether linear `name` (e.g. "self_attn.q_proj") under `get`'s prefix is stored packed: its
 * `qweight` is there. A packed linear outside `modules_in_block_to_quantize`, or a listed one
 * without `qweight`, is an error naming the tensor.
 */
export function isPackedLinear(get: Getter, name: string, cfg: GptqConfig | null): boolean {
  const packed = get.has(`${name}.qweight`);
  const full = get.prefix ? `${get.prefix}.${name}` : name;
  if (packed && !cfg) {
    throw new UserError(
      `Tensor "${full}.qweight" is packed (GPTQ) but the folder has no quantization_config in config.json and no quantize_config.json`,
    );
  }
  if (cfg?.modulesInBlock && packed !== cfg.modulesInBlock.includes(name)) {
    throw new UserError(
      packed
        ? `Tensor "${full}.qweight" is packed but ${cfg.source} modules_in_block_to_quantize does not list "${name}"`
        : `Tensor "${full}.qweight" is missing: ${cfg.source} modules_in_block_to_quantize lists "${name}"`,
    );
  }
  return packed;
}

/**
 * Reads packed linear `name` (K inputs → N outputs) under the getter's prefix, checking every
 * buffer against the config's bits and group size; errors name the tensor.
 */
export function readGptqLinear(
  weights: Weights,
  get: Getter,
  name: string,
  K: number,
  N: number,
  cfg: GptqConfig,
): GptqLinear {
  const full = (t: string) => (get.prefix ? `${get.prefix}.${name}.${t}` : `${name}.${t}`);
  const { store } = weights, shapesOnly = weights.opts.shapesOnly;
  const { bits } = cfg;
  const group = cfg.groupSize === -1 ? K : cfg.groupSize;
  const G = Math.ceil(K / group);
  const implied = `bits ${bits}, group_size ${cfg.groupSize}, in_features ${K} and out_features ${N}`;
  for (const t of ["qweight", "qzeros", "scales"]) {
    if (!store.has(full(t))) {
      throw new UserError(`Tensor "${full(t)}" is missing; a GPTQ linear needs qweight, qzeros and scales`);
    }
  }
  const qweight = readInt32(store, full("qweight"), [packedWords(K, bits), N], implied, shapesOnly);
  const qzeros = readInt32(store, full("qzeros"), [G, packedWords(N, bits)], implied, shapesOnly);
  const scalesInfo = store.info(full("scales"))!;
  checkShape(full("scales"), scalesInfo.shape, [G, N], implied);
  const scales = get(`${name}.scales`, [G, N]); // float, finiteness checked
  let g_idx: Int32Array;
  if (store.has(full("g_idx"))) {
    g_idx = readInt32(store, full("g_idx"), [K], implied, shapesOnly);
    const bad = g_idx.findIndex((g) => g < 0 || g >= G);
    if (bad >= 0) {
      throw new UserError(
        `Tensor "${full("g_idx")}" holds group ${g_idx[bad]} at input ${bad}; groups run 0..${G - 1} (${implied})`,
      );
    }
  } else {
    g_idx = Int32Array.from({ length: K }, (_, k) => Math.floor(k / group));
  }
  return { bits, K, N, G, qweight, qzeros, scales, g_idx, zeroOffset: cfg.checkpointFormat === "gptq" ? 1 : 0 };
}
