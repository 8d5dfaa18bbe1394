/**
 * Model shapes used by the benchmarks and tests, and random-weight Llama models built in memory from them
 * (no files: the shapes of stories15M/110M matter for speed, not the trained values).
 *
 * @module
 */
import { cpu } from "../backend/cpu.ts";
import type { Ops } from "../backend/ops.ts";
import { type LlamaConfig, resolveLlamaConfig } from "../models/llama/config.ts";
import { layerShape, type LayerWeights, LlamaBlock, LlamaModel } from "../models/llama/model.ts";

/** config.json fields of the benchmark shapes (llama2.c's stories models and Llama 2 7B). */
export const SHAPES: Record<
  string,
  { dim: number; layers: number; heads: number; kvHeads: number; ffn: number; vocab: number }
> = {
  stories15m: { dim: 288, layers: 6, heads: 6, kvHeads: 6, ffn: 768, vocab: 32000 },
  stories110m: { dim: 768, layers: 12, heads: 12, kvHeads: 12, ffn: 2048, vocab: 32000 },
  "tinyllama-1.1b": { dim: 2048, layers: 22, heads: 32, kvHeads: 4, ffn: 5632, vocab: 32000 },
  "llama2-7b": { dim: 4096, layers: 32, heads: 32, kvHeads: 32, ffn: 11008, vocab: 32000 },
};

/** A resolved config for shape `name`. */
export function shapeConfig(name: string): LlamaConfig {
  const s = SHAPES[name];
  if (!s) throw new Error(`unknown shape "${name}"; known: ${Object.keys(SHAPES).join(", ")}`);
  return resolveLlamaConfig({
    model_type: "llama",
    hidden_size: s.dim,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    intermediate_size: s.ffn,
    vocab_size: s.vocab,
    max_position_embeddings: 4096,
    rms_norm_eps: 1e-5,
  });
}

/** Deterministic uniform values in [-scale, scale) (xorshift32). */
export function randomArray(n: number, seed: number, scale = 0.02): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13, s >>>= 0, s ^= s >>> 17, s ^= s << 5, s >>>= 0;
    out[i] = (s / 4294967296 * 2 - 1) * scale;
  }
  return out;
}

/**
 * Layer `i` of a model of config `cfg` on backend `ops`: random projections (each drawn with the
 * next seed from `seed`) and unit norms.
 */
export function randomBlock<A>(ops: Ops<A>, cfg: LlamaConfig, i: number, seed: () => number): LlamaBlock<A> {
  const { hiddenSize: D, intermediateSize: F, headDim: Hd } = cfg;
  const H = cfg.numHeads[0], Hkv = cfg.numKvHeads[0];
  const r = (n: number) => ops.upload(randomArray(n, seed()));
  const ones = (n: number) => ops.upload(new Float32Array(n).fill(1));
  const w: LayerWeights<A> = {
    input_layernorm: ones(D),
    q_proj: r(H * Hd * D),
    k_proj: r(Hkv * Hd * D),
    v_proj: r(Hkv * Hd * D),
    o_proj: r(D * H * Hd),
    post_attention_layernorm: ones(D),
    gate_proj: r(F * D),
    up_proj: r(F * D),
    down_proj: r(D * F),
  };
  return new LlamaBlock(ops, layerShape(cfg, 0), w, i);
}

/**
 * A random-weight model of shape `name` on backend `ops` (the CPU by default; `layers`
 * overrides the depth, e.g. 1 for one layer). The weights are deterministic.
 */
export function randomLlama<A = Float32Array>(
  name: string,
  layers?: number,
  ops: Ops<A> = cpu as unknown as Ops<A>,
): LlamaModel<A> {
  const base = shapeConfig(name);
  const cfg = layers ? { ...base, numLayers: layers } : base;
  const { hiddenSize: D, vocabSize: V } = cfg;
  let seed = 1;
  const next = () => seed++;
  const blocks = Array.from({ length: cfg.numLayers }, (_, i) => randomBlock(ops, cfg, i, next));
  const embed = ops.upload(randomArray(V * D, next()));
  return new LlamaModel(ops, cfg, `random:${name}`, embed, blocks, ops.upload(new Float32Array(D).fill(1)), embed);
}
