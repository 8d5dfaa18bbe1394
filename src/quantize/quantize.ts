/**
 * Quantizing a Llama-family folder to a GPTQ checkpoint (AutoGPTQ's `gptq` v1 format, which
 * transformers/optimum and AutoGPTQ load), by GPTQ or by round-to-nearest (the baseline).
 *
 * Streamed: one block in memory at a time, quantized when the folder writer reaches its tensors
 * (GPTQ's sequential pass and what stays resident: src/quantize/sequential.ts; the math of one
 * linear: kernels/cpu/gptq_quantize.ts). Embeddings, norms, the head and linears AutoGPTQ cannot
 * pack are copied as stored.
 *
 * @module
 */
import { packedWords } from "../../kernels/cpu/gptq.ts";
import { UserError } from "../errors.ts";
import type { TensorEntry } from "../io/safetensors_write.ts";
import { readGptqConfig } from "../models/gptq_folder.ts";
import { type ModelFolder, openModel } from "../models/load.ts";
import { checkOutputFolder } from "../prune/output_folder.ts";
import { rewriteFolder } from "../prune/rewrite_folder.ts";
import { fromFloat32 } from "../tensor.ts";
import { version } from "../version.ts";
import { cpu } from "../backend/cpu.ts";
import {
  checkpointName,
  type LinearName,
  PACKED_PARTS,
  type QuantizeSpec,
  SEQUENTIAL,
  SequentialQuantizer,
  type WindowStoreFactory,
} from "./sequential.ts";

export type { QuantizeSpec, WindowStore, WindowStoreFactory } from "./sequential.ts";

/** What {@link quantizeFolder} wrote. */
export interface QuantizeSummary {
  /** The folder written. */
  outDir: string;
  /** Linear layers packed. */
  linears: number;
  /** Bytes of tensor data written. */
  bytes: number;
}

/**
 * Quantizes every linear of every decoder layer of `folder` and writes the checkpoint to
 * `outDir`, streamed: one block in memory at a time (src/quantize/sequential.ts), its packed
 * tensors written as it is done. GPTQ calibrates on `windows` (token ids); RTN ignores them.
 * `onLayer` hears of each finished layer; `activations` may keep the calibration activations
 * elsewhere than in memory (the CLI spills them to a temporary file past its budget).
 */
export function quantizeFolder(
  folder: ModelFolder,
  outDir: string,
  windows: readonly Int32Array[],
  spec: QuantizeSpec,
  opts: {
    force?: boolean;
    calibration?: string | null;
    onLayer?: (i: number, L: number) => void;
    activations?: WindowStoreFactory;
  } = {},
): QuantizeSummary {
  checkGroupSize(spec.groupSize);
  if (readGptqConfig(folder.raw, folder.dir)) {
    throw new UserError(`"${folder.dir}" is already a GPTQ checkpoint; quantize its float source instead`);
  }
  if (spec.method === "gptq" && windows.length === 0) {
    throw new UserError(`GPTQ needs calibration text: give --text-file F (or --ids-file F)`);
  }
  checkOutputFolder(outDir, folder.dir, opts.force ?? false);
  const linears = packableLinears(folder);
  const { parts, close } = openModel(folder, cpu);
  const quantizer = new SequentialQuantizer(parts, windows, spec, linears, opts);
  try {
    const modules = linears.size < SEQUENTIAL.flat().length
      ? SEQUENTIAL.map((g) => g.filter((n) => linears.has(n)).map(checkpointName)).filter((g) => g.length > 0)
      : null;
    const summary = writeQuantized(folder, outDir, quantizer, spec, opts.calibration ?? null, modules);
    if (quantizer.next !== parts.numLayers) {
      throw new Error(`quantizeFolder: ${quantizer.next} of ${parts.numLayers} layers were quantized`);
    }
    return summary;
  } finally {
    quantizer.close();
    close();
  }
}

/**
 * The group sizes a folder may use and still load in transformers: GPTQModel (through which
 * transformers loads GPTQ folders) refuses others (gptqmodel/nn_modules/qlinear/__init__.py
 * `GroupedQuantLinear._validate` against torch.py `TorchQuantLinear.SUPPORTS_GROUP_SIZE`, the kernel
 * every device has; versions before 2025 stop at 128). −1 is one group per row.
 */
export const LOADABLE_GROUP_SIZES: readonly number[] = [-1, 16, 32, 64, 128, 256, 512, 1024];

/** Throws a UserError for a group size {@link LOADABLE_GROUP_SIZES} does not list. */
export function checkGroupSize(groupSize: number): void {
  if (!LOADABLE_GROUP_SIZES.includes(groupSize)) {
    throw new UserError(
      `--group-size ${groupSize}: choose one of ${LOADABLE_GROUP_SIZES.join(", ")} ` +
        `(GPTQModel, which transformers loads GPTQ folders with, has kernels for these only)`,
    );
  }
}

/**
 * The linears AutoGPTQ can hold, judged on layer 0's stored shapes: its QuantLinear allocates
 * `infeatures // 32 * bits` qweight rows and `outfeatures // 32 * bits` qzeros columns
 * (qlinear_cuda.py `QuantLinear.__init__`), so both sizes must be multiples of 32. Others stay
 * float and `modules_in_block_to_quantize` lists the packed ones (as optimum writes it).
 */
function packableLinears(folder: ModelFolder): Set<LinearName> {
  const packable = new Set<LinearName>();
  for (const name of SEQUENTIAL.flat()) {
    const tensor = `model.layers.0.${checkpointName(name)}.weight`;
    const shape = folder.store.info(tensor)?.shape;
    if (!shape || shape.length !== 2) {
      throw new UserError(
        `quantize supports Llama-family models with separate q/k/v/o and gate/up/down linears; "${folder.dir}" has no 2-D "${tensor}"`,
      );
    }
    if (shape[0] % 32 === 0 && shape[1] % 32 === 0) packable.add(name);
  }
  return packable;
}

/**
 * A packed linear's bias in float16: the dtype of QuantLinear's `bias` buffer (AutoGPTQ
 * qlinear_cuda_old.py `QuantLinear.__init__`, and `pack`: `linear.bias.clone().half()`; GPTQModel
 * `GPTQQuantLinear._register_gptq_buffers`). Dense linears keep their bias as stored.
 */
function float16Bias(folder: ModelFolder, name: string, shape: number[]): TensorEntry {
  return { name, dtype: "F16", shape, bytes: () => fromFloat32(folder.store.read(name).data, "F16") };
}

/** [rows, columns] of packed tensor `part` of a linear with weight shape [N, K]. */
function packedShape(part: (typeof PACKED_PARTS)[number], N: number, K: number, spec: QuantizeSpec): number[] {
  const G = spec.groupSize === -1 ? 1 : Math.ceil(K / spec.groupSize);
  return {
    qweight: [packedWords(K, spec.bits), N],
    qzeros: [G, packedWords(N, spec.bits)],
    scales: [G, N],
    g_idx: [K],
  }[part];
}

/** Writes the folder: packed linears (made by `quantizer` as the writer reaches them) in place of their `.weight`, the rest copied as stored. */
function writeQuantized(
  folder: ModelFolder,
  outDir: string,
  quantizer: SequentialQuantizer,
  spec: QuantizeSpec,
  calibration: string | null,
  modules: string[][] | null,
): QuantizeSummary {
  // AutoGPTQ's BaseQuantizeConfig.to_dict() (auto_gptq/modeling/_base.py) plus the fields transformers reads.
  const quantization_config = {
    bits: spec.bits,
    group_size: spec.groupSize,
    damp_percent: spec.dampPercent ?? 0.01,
    desc_act: spec.descAct,
    static_groups: false,
    sym: spec.sym,
    true_sequential: true,
    model_name_or_path: null,
    model_file_base_name: "model",
    quant_method: "gptq",
    checkpoint_format: "gptq",
    ...(modules ? { modules_in_block_to_quantize: modules } : {}),
    meta: { quantizer: [`shortgpt-${version}`], method: spec.method, calibration },
  };
  let linears = 0;
  const summary = rewriteFolder(folder, outDir, {
    replace(info) {
      const m = /^model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+)\.(weight|bias)$/.exec(info.name);
      if (!m || !quantizer.linears.has(m[3] as LinearName)) return null;
      if (m[4] === "bias") return [float16Bias(folder, info.name, info.shape)];
      const [N, K] = info.shape, base = info.name.replace(/\.weight$/, "");
      linears++;
      return PACKED_PARTS.map((part): TensorEntry => ({
        name: `${base}.${part}`,
        dtype: part === "scales" ? "F16" : "I32",
        shape: packedShape(part, N, K, spec),
        bytes: () => quantizer.take(`${base}.${part}`, Number(m[1])), // quantizes layers up to this one
      }));
    },
    config: { ...folder.raw, quantization_config },
    floats: folder.floats,
    card: `# ${folder.dir.split(/[\\/]/).pop()} (${spec.method.toUpperCase()} ${spec.bits}-bit)\n\n` +
      `Quantized by shortgpt ${version}: ${spec.method}, ${spec.bits} bits, group size ${spec.groupSize}, ` +
      `${spec.sym ? "symmetric" : "asymmetric"}${spec.descAct ? ", act-order" : ""}; AutoGPTQ \`gptq\` (v1) format.\n` +
      (calibration ? `Calibrated on ${calibration}.\n` : ""),
    extraFiles: { "quantize_config.json": JSON.stringify(quantization_config, null, 2) + "\n" },
  });
  return { outDir, linears, bytes: summary.bytes };
}
