/**
 * GPTQ's sequential pass, streamed: the blocks of a model are quantized in order, one block's
 * weights in memory at a time, driven by the folder writer. Asking for a packed tensor of layer i
 * quantizes every layer up to i that is not done yet; a layer's packed bytes are held only until
 * the writer has taken them (tensors are written sorted by name, so layer by layer, and shards
 * keep the input's, which lists layers in order: one block's packed bytes are held at a time).
 *
 * What stays resident: the calibration hidden states of the current block (windows × T × D
 * float32, in memory unless the caller's `activations` store puts them elsewhere), one
 * block's float32 weights, and the GPTQ work of one linear (its Hessian [K,K] and factors in
 * float64). Inside a block the linears go in AutoGPTQ's `true_sequential` order (k/v/q, then o,
 * then up/gate, then down; auto_gptq/modeling/_base.py `BaseGPTQForCausalLM.quantize`), each
 * group's Hessian H = 2/n Σ x xᵀ (float64) taken from its inputs with the earlier groups already
 * quantized, and the next block's inputs are this block's outputs with every linear quantized.
 * While calibrating, a quantized linear is held as its exact dequantized float weights, which is
 * what the written folder computes (the packed kernel is bit-identical to dequantize-then-matmul).
 *
 * @module
 */
import { dequantizeGptqNaive, type GptqLinear } from "../../kernels/cpu/gptq.ts";
import { gptqQuantize, packGptq, type QuantizedLinear, rtnQuantize } from "../../kernels/cpu/gptq_quantize.ts";
import { cpu } from "../backend/cpu.ts";
import { isPacked, type Ops } from "../backend/ops.ts";
import { UserError } from "../errors.ts";
import { type LayerWeights, LlamaBlock } from "../models/llama/model.ts";
import type { ModelParts } from "../models/model.ts";
import { collectGarbage } from "../runtime.ts";
import { f16Round, fromFloat32 } from "../tensor.ts";

/** What to make. */
export interface QuantizeSpec {
  method: "gptq" | "rtn";
  bits: 2 | 3 | 4 | 8;
  /** Inputs per group, or −1 for one group per row. */
  groupSize: number;
  sym: boolean;
  /** Act-order (GPTQ only). */
  descAct: boolean;
  /** AutoGPTQ's damp_percent (default 0.01). */
  dampPercent?: number;
}

/** Where the windows' activations X_i [T,D] live between blocks (src/stream/activations.ts has a file-backed one). */
export interface WindowStore {
  get(w: number): Float32Array;
  set(w: number, x: Float32Array): void;
  close(): void;
}

/**
 * Makes the store for windows of `lengths` tokens and width D, or null to hold them in memory;
 * e.g. a temporary file when they take more bytes than a budget.
 */
export type WindowStoreFactory = (lengths: readonly number[], D: number) => WindowStore | null;

/** A linear of a Llama block, by its checkpoint name. */
export type LinearName = "q_proj" | "k_proj" | "v_proj" | "o_proj" | "gate_proj" | "up_proj" | "down_proj";

/** The linears of a block in AutoGPTQ's true_sequential order; each group shares one input (and one Hessian). */
export const SEQUENTIAL: readonly (readonly LinearName[])[] = [
  ["k_proj", "v_proj", "q_proj"],
  ["o_proj"],
  ["up_proj", "gate_proj"],
  ["down_proj"],
];

/** The linear's name under `model.layers.N`. */
export const checkpointName = (n: LinearName): string =>
  (["gate_proj", "up_proj", "down_proj"].includes(n) ? "mlp." : "self_attn.") + n;

/** The four tensors a packed linear is stored as, in place of its `.weight`. */
export const PACKED_PARTS = ["qweight", "qzeros", "scales", "g_idx"] as const;

/**
 * Quantizes the blocks of `parts` in order as their tensors are asked for. `linears` are the
 * linears to pack (the rest stay float); `windows` calibrate GPTQ (RTN needs none).
 */
export class SequentialQuantizer {
  /** The next block to quantize. */
  next = 0;
  /** Packed bytes not yet written: "model.layers.3.self_attn.q_proj.qweight" → bytes. */
  readonly #ready = new Map<string, Uint8Array>();
  /** X_i [T,D] of every window at block `next` (GPTQ only). */
  #xs: WindowStore | null = null;

  constructor(
    readonly parts: ModelParts<Float32Array>,
    readonly windows: readonly Int32Array[],
    readonly spec: QuantizeSpec,
    readonly linears: ReadonlySet<LinearName>,
    readonly opts: { activations?: WindowStoreFactory; onLayer?: (i: number, L: number) => void } = {},
  ) {}

  /** The bytes of packed tensor `name` of layer `layer`, quantizing the layers up to it first. */
  take(name: string, layer: number): Uint8Array {
    while (this.next <= layer) this.#quantizeBlock(this.next++);
    const bytes = this.#ready.get(name);
    if (!bytes) throw new Error(`SequentialQuantizer: "${name}" was not made or was taken already`);
    this.#ready.delete(name); // written: drop it
    return bytes;
  }

  /** Drops the activations (their temporary file, if spilled). */
  close(): void {
    this.#xs?.close();
    this.#xs = null;
  }

  /** X_0 of every window, where the caller's store keeps them (in memory by default). */
  #embedAll(): WindowStore {
    const D = this.parts.info.hiddenSize;
    const xs = this.opts.activations?.(this.windows.map((w) => w.length), D) ?? memoryStore();
    this.windows.forEach((ids, w) => xs.set(w, this.parts.embed(ids)));
    this.parts.releaseEmbed?.();
    return xs;
  }

  #quantizeBlock(i: number): void {
    const { parts, spec, windows } = this;
    const L = parts.numLayers;
    const gptq = spec.method === "gptq";
    if (gptq) this.#xs ??= this.#embedAll();
    collectGarbage(); // the previous block is unreachable: free it before reading this one
    const block = parts.loadBlock(i);
    if (!(block instanceof LlamaBlock)) {
      throw new UserError(`quantize supports Llama-family models; "${parts.dir}" has ${parts.info.family} blocks`);
    }
    for (const all of SEQUENTIAL) {
      const group = all.filter((n) => this.linears.has(n));
      if (group.length === 0) continue;
      const H = gptq ? hessianOf(block, group[0], this.#xs!, windows) : null;
      for (const name of group) {
        const p = packGptq(quantizeLinear(block, name, H, spec, i), spec.bits, 1);
        const base = `model.layers.${i}.${checkpointName(name)}`;
        const bytes = packedBytes(p);
        PACKED_PARTS.forEach((part) => this.#ready.set(`${base}.${part}`, bytes[part]));
        (block.w as LayerWeights<Float32Array>)[name] = dequantizeGptqNaive(p); // what the checkpoint computes
      }
    }
    if (gptq) {
      const xs = this.#xs!;
      windows.forEach((ids, w) =>
        xs.set(w, block.forward(xs.get(w), ids.length, { pos0: 0, state: new Map() }, false))
      );
      if (i === L - 1) this.close();
    }
    this.opts.onLayer?.(i, L);
  }
}

/** Every window's activation held in memory. */
function memoryStore(): WindowStore {
  const held: Float32Array[] = [];
  return { get: (w) => held[w], set: (w, x) => void (held[w] = x), close: () => void (held.length = 0) };
}

/** The stored bytes of a packed linear's tensors (int32 little-endian, scales float16). */
function packedBytes(p: GptqLinear): Record<(typeof PACKED_PARTS)[number], Uint8Array> {
  return {
    qweight: int32Bytes(p.qweight),
    qzeros: int32Bytes(p.qzeros),
    scales: fromFloat32(p.scales, "F16"),
    g_idx: int32Bytes(p.g_idx),
  };
}

/** Little-endian bytes of int32 values. */
function int32Bytes(a: Int32Array): Uint8Array {
  const out = new Uint8Array(a.length * 4), view = new DataView(out.buffer);
  a.forEach((v, i) => view.setInt32(4 * i, v, true));
  return out;
}

/** Thrown by the Hessian spy once the target linear has seen its input: the rest of the block is not needed. */
const SEEN = Symbol("seen");

/**
 * H = 2/n Σ x xᵀ [K,K] over the inputs x of linear `first` of `block` on every window. Each
 * window runs through the block only as far as that linear.
 */
function hessianOf(
  block: LlamaBlock<Float32Array>,
  first: LinearName,
  xs: WindowStore,
  windows: readonly Int32Array[],
): Float64Array {
  const target = block.w[first];
  let H: Float64Array | null = null, n = 0;
  // An Ops that notes the input of the target linear as the block runs, then stops the block.
  const spy: Ops<Float32Array> = {
    ...cpu,
    linear(x, w, T, K, N, bias) {
      if (w !== target) return cpu.linear(x, w, T, K, N, bias);
      H ??= new Float64Array(K * K);
      for (let t = 0; t < T; t++) {
        for (let a = 0; a < K; a++) {
          const xa = x[t * K + a];
          if (xa === 0) continue;
          for (let b = 0; b < K; b++) H[a * K + b] += xa * x[t * K + b];
        }
      }
      n += T;
      throw SEEN;
    },
  };
  const probe = new LlamaBlock(spy, block.shape, block.w, block.originalIndex);
  windows.forEach((ids, w) => {
    try {
      probe.forward(xs.get(w), ids.length, { pos0: 0, state: new Map() }, false);
    } catch (e) {
      if (e !== SEEN) throw e;
    }
  });
  const h = H as Float64Array | null;
  if (!h) throw new Error(`hessianOf: linear ${first} was never called`);
  for (let i = 0; i < h.length; i++) h[i] *= 2 / n;
  return h;
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
