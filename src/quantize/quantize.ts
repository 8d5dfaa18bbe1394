/**
 * Quantizing a Llama-family folder to a GPTQ checkpoint (AutoGPTQ's `gptq` v1 format, which
 * transformers/optimum and AutoGPTQ load), by GPTQ or by round-to-nearest (the baseline).
 *
 * GPTQ as AutoGPTQ runs it (auto_gptq/modeling/_base.py `BaseGPTQForCausalLM.quantize`): layers
 * in order, one block in memory at a time; inside a block the linears in the order
 * `true_sequential` gives (k/v/q, then o, then up/gate, then down), each group's Hessian
 * H = 2/n Σ x xᵀ accumulated (float64) from its inputs with the already-quantized linears in
 * place; the next layer's inputs are the quantized layer's outputs. The math of one linear is
 * kernels/cpu/gptq_quantize.ts. While calibrating, a quantized linear is held as its exact
 * dequantized float weights, which is what the written folder computes (the packed kernel is
 * bit-identical to dequantize-then-matmul).
 *
 * @module
 */
import { dequantizeGptqNaive, type GptqLinear } from "../../kernels/cpu/gptq.ts";
import { gptqQuantize, packGptq, type QuantizedLinear, rtnQuantize } from "../../kernels/cpu/gptq_quantize.ts";
import { cpu } from "../backend/cpu.ts";
import { isPacked, type Ops } from "../backend/ops.ts";
import { UserError } from "../errors.ts";
import type { TensorEntry } from "../io/safetensors_write.ts";
import { f16Round, fromFloat32 } from "../tensor.ts";
import { readGptqConfig } from "../models/gptq_folder.ts";
import { type LayerWeights, LlamaBlock } from "../models/llama/model.ts";
import { type ModelFolder, openModel } from "../models/load.ts";
import { checkOutputFolder } from "../prune/output_folder.ts";
import { rewriteFolder } from "../prune/rewrite_folder.ts";
import { version } from "../version.ts";

/** What to make. */
export interface QuantizeSpec {
  /** GPTQ (calibrated, error-compensating) or round-to-nearest (no calibration). */
  method: "gptq" | "rtn";
  /** Bits per code. */
  bits: 2 | 3 | 4 | 8;
  /** Inputs per group, or −1 for one group per row. */
  groupSize: number;
  /** Symmetric: every zero point is 2^(bits−1). */
  sym: boolean;
  /** Act-order (GPTQ only). */
  descAct: boolean;
  /** AutoGPTQ's damp_percent (default 0.01). */
  dampPercent?: number;
}

/** What {@link quantizeFolder} wrote. */
export interface QuantizeSummary {
  /** The folder written. */
  outDir: string;
  /** Linear layers packed. */
  linears: number;
  /** Bytes of tensor data written. */
  bytes: number;
}

type LinearName = "q_proj" | "k_proj" | "v_proj" | "o_proj" | "gate_proj" | "up_proj" | "down_proj";

/** The linears of a block in AutoGPTQ's true_sequential order; each group shares one input (and one Hessian). */
const SEQUENTIAL: readonly (readonly LinearName[])[] = [
  ["k_proj", "v_proj", "q_proj"],
  ["o_proj"],
  ["up_proj", "gate_proj"],
  ["down_proj"],
];

/** The linear's name under `model.layers.N`. */
const checkpointName = (n: LinearName) =>
  (["gate_proj", "up_proj", "down_proj"].includes(n) ? "mlp." : "self_attn.") + n;

/**
 * Quantizes every linear of every decoder layer of `folder` and writes the checkpoint to
 * `outDir`. GPTQ calibrates on `windows` (token ids); RTN ignores them. `onLayer` hears of each
 * finished layer.
 */
export function quantizeFolder(
  folder: ModelFolder,
  outDir: string,
  windows: readonly Int32Array[],
  spec: QuantizeSpec,
  opts: { force?: boolean; calibration?: string | null; onLayer?: (i: number, L: number) => void } = {},
): QuantizeSummary {
  if (readGptqConfig(folder.raw, folder.dir)) {
    throw new UserError(`"${folder.dir}" is already a GPTQ checkpoint; quantize its float source instead`);
  }
  if (spec.method === "gptq" && windows.length === 0) {
    throw new UserError(`GPTQ needs calibration text: give --text-file F (or --ids-file F)`);
  }
  checkOutputFolder(outDir, folder.dir, opts.force ?? false);
  const packed = new Map<string, GptqLinear>(); // "model.layers.3.self_attn.q_proj" → packed
  let dense: Set<LinearName> | null = null; // linears AutoGPTQ cannot pack, kept float
  const { parts, close } = openModel(folder, cpu);
  try {
    const L = parts.numLayers;
    let xs = spec.method === "gptq" ? windows.map((ids) => parts.embed(ids)) : []; // inputs of layer i, [T,D] each
    for (let i = 0; i < L; i++) {
      const block = parts.loadBlock(i);
      if (!(block instanceof LlamaBlock)) {
        throw new UserError(`quantize supports Llama-family models; "${folder.dir}" has ${parts.info.family} blocks`);
      }
      dense ??= new Set(SEQUENTIAL.flat().filter((n) => !packable(block, n)));
      for (const all of SEQUENTIAL) {
        const group = all.filter((n) => !dense!.has(n));
        if (group.length === 0) continue;
        const H = spec.method === "gptq" ? hessianOf(block, group[0], xs, windows) : null;
        for (const name of group) {
          const q = quantizeLinear(block, name, H, spec, i);
          const p = packGptq(q, spec.bits, 1);
          packed.set(`model.layers.${i}.${checkpointName(name)}`, p);
          (block.w as LayerWeights<Float32Array>)[name] = dequantizeGptqNaive(p); // what the checkpoint computes
        }
      }
      if (spec.method === "gptq") {
        xs = xs.map((x, w) => block.forward(x, windows[w].length, { pos0: 0, state: new Map() }, false));
      }
      opts.onLayer?.(i, L);
    }
  } finally {
    close();
  }
  const modules = dense && dense.size > 0
    ? SEQUENTIAL.map((g) => g.filter((n) => !dense!.has(n)).map(checkpointName)).filter((g) => g.length > 0)
    : null;
  return writeQuantized(folder, outDir, packed, spec, opts.calibration ?? null, modules);
}

/** [N, K] of linear `name` of `block`. */
function linearShape(block: LlamaBlock<Float32Array>, name: LinearName): readonly [number, number] {
  const { D, F, H: nH, Hkv, Hd } = block.shape;
  return ({
    q_proj: [nH * Hd, D],
    k_proj: [Hkv * Hd, D],
    v_proj: [Hkv * Hd, D],
    o_proj: [D, nH * Hd],
    gate_proj: [F, D],
    up_proj: [F, D],
    down_proj: [D, F],
  } as const)[name];
}

/**
 * Whether AutoGPTQ can hold linear `name`: its QuantLinear allocates `infeatures // 32 * bits`
 * qweight rows and `outfeatures // 32 * bits` qzeros columns (qlinear_cuda.py
 * `QuantLinear.__init__`), so both sizes must be multiples of 32. Others stay float and
 * `modules_in_block_to_quantize` lists the packed ones (as optimum writes it).
 */
function packable(block: LlamaBlock<Float32Array>, name: LinearName): boolean {
  const [N, K] = linearShape(block, name);
  return N % 32 === 0 && K % 32 === 0;
}

/** H = 2/n Σ x xᵀ [K,K] over the inputs x of linear `first` of `block` on every window. */
function hessianOf(
  block: LlamaBlock<Float32Array>,
  first: LinearName,
  xs: readonly Float32Array[],
  windows: readonly Int32Array[],
): Float64Array {
  const target = block.w[first];
  let H: Float64Array | null = null, K = 0, n = 0;
  // An Ops that notes the input of the target linear as the block runs.
  const spy: Ops<Float32Array> = {
    ...cpu,
    linear(x, w, T, k, N, bias) {
      if (w === target) {
        K = k;
        H ??= new Float64Array(K * K);
        for (let t = 0; t < T; t++) {
          for (let a = 0; a < K; a++) {
            const xa = x[t * K + a];
            if (xa === 0) continue;
            for (let b = 0; b < K; b++) H[a * K + b] += xa * x[t * K + b];
          }
        }
        n += T;
      }
      return cpu.linear(x, w, T, k, N, bias);
    },
  };
  const probe = new LlamaBlock(spy, block.shape, block.w, block.originalIndex);
  xs.forEach((x, w) => probe.forward(x, windows[w].length, { pos0: 0, state: new Map() }, false));
  const h = H as Float64Array | null;
  if (!h) throw new Error(`hessianOf: linear ${first} was never called`);
  for (let i = 0; i < h.length; i++) h[i] *= 2 / n;
  return h;
}

/** One linear of `block` quantized by `spec` (with Hessian `H` for GPTQ). */
function quantizeLinear(
  block: LlamaBlock<Float32Array>,
  name: LinearName,
  H: Float64Array | null,
  spec: QuantizeSpec,
  layer: number,
): QuantizedLinear {
  const w = block.w[name];
  if (isPacked(w)) throw new UserError(`Layer ${layer}'s ${name} is already GPTQ-packed; quantize a float model`);
  const [N, K] = linearShape(block, name);
  const opts = {
    bits: spec.bits,
    groupSize: spec.groupSize,
    sym: spec.sym,
    descAct: spec.descAct,
    dampPercent: spec.dampPercent ?? 0.01,
    roundScale: f16Round, // the scales are stored as float16
  };
  if (!H) return rtnQuantize(w, N, K, opts);
  const q = gptqQuantize(w, H, N, K, opts);
  if (!q) {
    throw new UserError(
      `Layer ${layer}'s ${name}: the dampened Hessian is not positive definite; raise --damp (now ${opts.dampPercent})`,
    );
  }
  return q;
}

/** Little-endian bytes of int32 values. */
function int32Bytes(a: Int32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4), view = new DataView(out.buffer);
  a.forEach((v, i) => view.setInt32(4 * i, v, true));
  return out;
}

/** Writes the folder: packed linears in place of their `.weight`, the rest copied as stored. */
function writeQuantized(
  folder: ModelFolder,
  outDir: string,
  packed: ReadonlyMap<string, GptqLinear>,
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
  const summary = rewriteFolder(folder, outDir, {
    replace(info) {
      const base = info.name.replace(/\.weight$/, "");
      const p = base !== info.name ? packed.get(base) : undefined;
      if (!p) return null;
      const entries: TensorEntry[] = [
        { name: `${base}.qweight`, dtype: "I32", shape: [p.qweight.length / p.N, p.N], bytes: int32Bytes(p.qweight) },
        { name: `${base}.qzeros`, dtype: "I32", shape: [p.G, p.qzeros.length / p.G], bytes: int32Bytes(p.qzeros) },
        { name: `${base}.scales`, dtype: "F16", shape: [p.G, p.N], bytes: fromFloat32(p.scales, "F16") },
        { name: `${base}.g_idx`, dtype: "I32", shape: [p.K], bytes: int32Bytes(p.g_idx) },
      ];
      return entries;
    },
    config: { ...folder.raw, quantization_config },
    floats: folder.floats,
    card: `# ${folder.dir.split(/[\\/]/).pop()} (${spec.method.toUpperCase()} ${spec.bits}-bit)\n\n` +
      `Quantized by shortgpt ${version}: ${spec.method}, ${spec.bits} bits, group size ${spec.groupSize}, ` +
      `${spec.sym ? "symmetric" : "asymmetric"}${spec.descAct ? ", act-order" : ""}; AutoGPTQ \`gptq\` (v1) format.\n` +
      (calibration ? `Calibrated on ${calibration}.\n` : ""),
    extraFiles: { "quantize_config.json": JSON.stringify(quantization_config, null, 2) + "\n" },
  });
  return { outDir, linears: packed.size, bytes: summary.bytes };
}
