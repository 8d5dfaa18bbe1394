/**
 * GPTQ's sequential pass, streamed: the blocks of a model are quantized in order, one block's
 * weights in memory at a time, driven by the folder writer. Asking for a packed tensor of layer i
 * quantizes every layer up to i that is not done yet; a layer's packed bytes are held only until
 * the writer has taken them (tensors are written sorted by name, so layer by layer, and shards
 * keep the input's, which lists layers in order: one block's packed bytes are held at a time).
 *
 * What stays resident: the calibration hidden states of the current block (windows × T × D
 * float32, in memory unless the caller's `activations` store puts them elsewhere), one
 * block's float32 weights, and the GPTQ work of one linear (its Hessian [K,K] in float64, turned
 * into its factor in the same buffer). Inside a block the linears go in AutoGPTQ's `true_sequential` order (k/v/q, then o,
 * then up/gate, then down; auto_gptq/modeling/_base.py `BaseGPTQForCausalLM.quantize`), each
 * group's Hessian H = 2/n Σ x xᵀ (float64) taken from its inputs with the earlier groups already
 * quantized, and the next block's inputs are this block's outputs with every linear quantized.
 * While calibrating, a quantized linear is held as its exact dequantized float weights, which is
 * what the written folder computes (the packed kernel is bit-identical to dequantize-then-matmul).
 *
 * @module
 */
import { dequantizeGptqNaive, type GptqLinear } from "../../kernels/cpu/gptq.ts";
import {
  type GptqHessian,
  gptqQuantizePrepared,
  packGptq,
  prepareHessian,
  type QuantizedLinear,
  rtnQuantize,
  squareMatrix,
} from "../../kernels/cpu/gptq_quantize.ts";
import { cpu } from "../backend/cpu.ts";
import { isPacked, type Ops } from "../backend/ops.ts";
import { UserError } from "../errors.ts";
import { type LayerWeights, LlamaBlock } from "../models/llama/model.ts";
import type { ModelParts } from "../models/model.ts";
import { collectGarbage } from "../runtime.ts";
import { f16Round, fromFloat32 } from "../tensor.ts";

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

/** Where the windows' activations X_i [T,D] live between blocks (src/stream/activations.ts has a file-backed one). */
export interface WindowStore {
  /** X_i [T,D] of window `w`. */
  get(w: number): Float32Array;
  /** Replaces window `w`'s activation with `x` [T,D]. */
  set(w: number, x: Float32Array): void;
  /** Frees what the store holds (a temporary file is removed). */
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
      const H = gptq ? prepare(hessianOf(block, group[0], this.#xs!, windows), block, group[0], spec, i) : null;
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
      H ??= squareMatrix(K); // in WebAssembly memory where it fits: SIMD factorization (gptq_linalg_wasm.ts)
      addGram(H, x, T, K);
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

/** Tokens and rows per tile of {@link addGram}: two tiles of xᵀ (2 × 64 × 256 doubles) stay in cache. */
const CHUNK = 256, TILE = 64;

/**
 * H [K,K] += Σ_t x_t x_tᵀ over the rows of x [T,K] (float64). Each entry is summed in token order,
 * as the plain loop `for t, a, b: H[a,b] += x[t,a]·x[t,b]` sums it (the same bits), but tile by
 * tile over a transposed chunk of tokens, so the work runs in cache; the upper half is mirrored.
 */
export function addGram(H: Float64Array, x: Float32Array, T: number, K: number): void {
  const xt = new Float64Array(K * Math.min(CHUNK, T)); // xᵀ of one chunk of tokens [K, tc]
  for (let t0 = 0; t0 < T; t0 += CHUNK) {
    const tc = Math.min(CHUNK, T - t0);
    for (let t = 0; t < tc; t++) for (let k = 0; k < K; k++) xt[k * tc + t] = x[(t0 + t) * K + k];
    for (let a0 = 0; a0 < K; a0 += TILE) {
      for (let b0 = 0; b0 <= a0; b0 += TILE) {
        for (let a = a0; a < Math.min(a0 + TILE, K); a++) {
          const ra = a * tc, end = Math.min(b0 + TILE, a + 1);
          let b = b0;
          for (; b + 4 <= end; b += 4) { // four independent sums sharing the loads of row a
            const r0 = b * tc, r1 = r0 + tc, r2 = r1 + tc, r3 = r2 + tc;
            let s0 = H[a * K + b], s1 = H[a * K + b + 1], s2 = H[a * K + b + 2], s3 = H[a * K + b + 3];
            for (let t = 0; t < tc; t++) {
              const v = xt[ra + t];
              s0 += v * xt[r0 + t];
              s1 += v * xt[r1 + t];
              s2 += v * xt[r2 + t];
              s3 += v * xt[r3 + t];
            }
            H[a * K + b] = s0;
            H[a * K + b + 1] = s1;
            H[a * K + b + 2] = s2;
            H[a * K + b + 3] = s3;
          }
          for (; b < end; b++) {
            let s = H[a * K + b];
            for (let t = 0; t < tc; t++) s += xt[ra + t] * xt[b * tc + t];
            H[a * K + b] = s;
          }
        }
      }
    }
  }
  for (let a = 0; a < K; a++) for (let b = 0; b < a; b++) H[b * K + a] = H[a * K + b];
}

/** The GPTQ options of `spec` (scales stored as float16). */
function optionsOf(spec: QuantizeSpec) {
  return {
    bits: spec.bits,
    groupSize: spec.groupSize,
    sym: spec.sym,
    descAct: spec.descAct,
    dampPercent: spec.dampPercent ?? 0.01,
    roundScale: f16Round, // the scales are stored as float16
  };
}

/** H [K,K] made ready for GPTQ once per group of linears that share it; H is consumed. */
function prepare(
  H: Float64Array,
  block: LlamaBlock<Float32Array>,
  name: LinearName,
  spec: QuantizeSpec,
  layer: number,
) {
  const opts = optionsOf(spec);
  // consume: H becomes the factor in its own buffer (one K×K float64 matrix per linear, not two)
  const prepared = prepareHessian(H, linearShape(block, name)[1], { ...opts, consume: true });
  if (!prepared) {
    throw new UserError(
      `Layer ${layer}'s ${name}: the dampened Hessian is not positive definite; raise --damp (now ${opts.dampPercent})`,
    );
  }
  return prepared;
}

/** One linear of `block` quantized by `spec` (with its prepared Hessian for GPTQ). */
function quantizeLinear(
  block: LlamaBlock<Float32Array>,
  name: LinearName,
  H: GptqHessian | null,
  spec: QuantizeSpec,
  layer: number,
): QuantizedLinear {
  const w = block.w[name];
  if (isPacked(w)) throw new UserError(`Layer ${layer}'s ${name} is already GPTQ-packed; quantize a float model`);
  const [N, K] = linearShape(block, name);
  return H ? gptqQuantizePrepared(w, H, N, optionsOf(spec)) : rtnQuantize(w, N, K, optionsOf(spec));
}
