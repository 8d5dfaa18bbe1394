/**
 * A whole RWKV model (versions 4, 5.1, 5.2, 6, 7): `X_0 = ln0(emb[ids])`, then the blocks, then
 * `logits = head·ln_out(X_L)`.
 *
 * `ln0` is stored as `blocks.0.ln0` (HF: `rwkv.blocks.0.pre_ln`) but belongs to the embedding:
 * it is applied in {@link RwkvModel.embed}, so `X_0` is the normed embedding (the golden files'
 * convention) and removing block 0 keeps it. Each block runs the tokens one after another from
 * its recurrent state (zero, or the one a kept run holds) and never reads its index.
 *
 * RWKV runs on the CPU backend for now (the WKV kernels in `kernels/cpu/rwkv_*.ts` have no
 * WebGPU twin yet).
 *
 * @module
 */
import type { Ops } from "../../backend/ops.ts";
import { UserError } from "../../errors.ts";
import type { RawConfig } from "../../io/config.ts";
import type { Block, CausalLM, ModelInfo, ModelParts } from "../model.ts";
import type { Weights } from "../weights.ts";
import { type Arr, type CpuOps, layerNorm, type LayerNormWeights, layerNormWeights, scoped } from "./common.ts";
import { resolveRwkvConfig, type RwkvConfig } from "./config.ts";
import { loadBlockV4 } from "./v4.ts";
import { loadBlockV5 } from "./v5.ts";
import { loadBlockV6 } from "./v6.ts";
import { loadBlockV7 } from "./v7.ts";

/** An RWKV language model on the CPU backend. */
export class RwkvModel implements CausalLM<Arr> {
  readonly info: ModelInfo;
  blocks: Block<Arr>[];

  constructor(
    readonly ops: CpuOps,
    readonly config: RwkvConfig,
    readonly dir: string,
    readonly emb: Arr, // [V,D]
    readonly ln0: LayerNormWeights, // [D]
    blocks: Block<Arr>[],
    readonly ln_out: LayerNormWeights, // [D]
    readonly headWeight: Arr, // [V,D] head.weight
  ) {
    this.blocks = blocks;
    this.info = Object.freeze({
      family: "rwkv",
      hiddenSize: config.hiddenSize,
      vocabSize: config.vocabSize,
      maxPositions: Number.MAX_SAFE_INTEGER, // a recurrence: no context limit
      bosTokenId: config.bosTokenId,
      eosTokenId: config.eosTokenId,
    });
  }

  /** X_0 = ln0(emb[ids]): [T] → [T,D]. */
  embed(ids: Int32Array): Arr {
    const { hiddenSize: D, layerNormEps } = this.config;
    const x = this.ops.embed(this.emb, ids, D); // [T,D]
    return layerNorm(this.ops, x, this.ln0, ids.length, D, layerNormEps);
  }

  /** ln_out(X_L): [T,D] → [T,D]. */
  finalNorm(x: Arr, T: number): Arr {
    return layerNorm(this.ops, x, this.ln_out, T, this.config.hiddenSize, this.config.layerNormEps);
  }

  /** head.weight · x: [T,D] → [T,V]. */
  head(x: Arr, T: number): Arr {
    return this.ops.linear(x, this.headWeight, T, this.config.hiddenSize, this.config.vocabSize);
  }
}

/** A function that reads and builds block i of an RWKV checkpoint. */
function blockLoader(cpuOps: CpuOps, cfg: RwkvConfig, weights: Weights): (i: number) => Block<Arr> {
  const hf = cfg.names === "hf";
  const vFirstKey = {}; // v7: the key under which blocks hand v_first on in run.state
  return (i) => {
    const bget = scoped(weights, hf ? `rwkv.blocks.${i}` : `blocks.${i}`);
    const base = { D: cfg.hiddenSize, A: cfg.attSize, F: cfg.ffnSize, eps: cfg.layerNormEps };
    switch (cfg.version) {
      case "4.0":
        return loadBlockV4(cpuOps, bget, base, cfg.names, i);
      case "5.1":
      case "5.2":
        return loadBlockV5(cpuOps, bget, { ...base, ...heads(cfg) }, cfg.version, i);
      case "6.0":
        return loadBlockV6(cpuOps, bget, { ...base, ...heads(cfg), Rm: cfg.timeMixExtraDim, Rd: cfg.timeDecayExtraDim }, i);
      case "7.0": {
        const ranks = { Rw: cfg.decayLora, Ra: cfg.aaaLora, Rv: cfg.mvLora, Rg: cfg.gateLora };
        return loadBlockV7(cpuOps, bget, { ...base, ...heads(cfg), ...ranks }, i, vFirstKey);
      }
    }
  };
}

function checkCpu<A>(ops: Ops<A>): CpuOps {
  if (ops.name !== "cpu") {
    throw new UserError(`RWKV models run on the CPU backend for now; use --backend cpu (asked for "${ops.name}")`);
  }
  return ops as unknown as CpuOps;
}

/** Reads the model-level tensors: embedding, ln0, ln_out and the head. */
function stemWeights(cfg: RwkvConfig, weights: Weights) {
  const { hiddenSize: D, vocabSize: V } = cfg;
  const hf = cfg.names === "hf";
  const get = scoped(weights, hf ? "rwkv" : ""); // top-level tensors
  const emb = () => get(hf ? "embeddings.weight" : "emb.weight", [V, D]);
  return {
    emb,
    ln0: () => layerNormWeights(get, hf ? "blocks.0.pre_ln" : "blocks.0.ln0", D),
    ln_out: () => layerNormWeights(get, "ln_out", D),
    head: (embTable?: Arr) => (cfg.tieWordEmbeddings ? embTable ?? emb() : weights.get("head.weight", [V, D])),
  };
}

/**
 * Loads an RWKV folder (the `rwkv` entry of `loadModel`'s loaders). Throws a UserError on a
 * backend other than the CPU.
 *
 * @example
 * ```ts
 * import { loadModel } from "../load.ts";
 * const model = loadModel("testdata/models/tiny-rwkv-7v0-834K");
 * model.blocks.length; // 12
 * ```
 */
export function loadRwkv<A>(ops: Ops<A>, raw: RawConfig, weights: Weights, dir: string): CausalLM<A> {
  const cpuOps = checkCpu(ops);
  const cfg = resolveRwkvConfig(raw);
  const stem = stemWeights(cfg, weights);
  const emb = stem.emb();
  const load = blockLoader(cpuOps, cfg, weights);
  const blocks = Array.from({ length: cfg.numLayers }, (_, i) => load(i));
  const model = new RwkvModel(cpuOps, cfg, dir, emb, stem.ln0(), blocks, stem.ln_out(), stem.head(emb));
  return model as unknown as CausalLM<A>;
}

/** Opens an RWKV folder part by part (see {@link ModelParts}): weights are read on first use. */
export function openRwkvParts<A>(ops: Ops<A>, raw: RawConfig, weights: Weights, dir: string): ModelParts<A> {
  const cpuOps = checkCpu(ops);
  const cfg = resolveRwkvConfig(raw);
  const stem = stemWeights(cfg, weights);
  let model: RwkvModel | undefined;
  let head: Arr | undefined;
  // The stem model (no blocks) without its head; the head is read only when asked for.
  const base = () => (model ??= new RwkvModel(cpuOps, cfg, dir, stem.emb(), stem.ln0(), [], stem.ln_out(), new Float32Array(0)));
  const parts: ModelParts<Arr> = {
    info: base().info,
    ops: cpuOps,
    dir,
    numLayers: cfg.numLayers,
    embed: (ids) => base().embed(ids),
    finalNorm: (x, T) => base().finalNorm(x, T),
    head: (x, T) => cpuOps.linear(x, (head ??= stem.head(base().emb)), T, cfg.hiddenSize, cfg.vocabSize),
    loadBlock: blockLoader(cpuOps, cfg, weights),
  };
  return parts as unknown as ModelParts<A>;
}

function heads(cfg: { numHeads: number; headSize: number; lnXEps: number }) {
  return { H: cfg.numHeads, S: cfg.headSize, lnXEps: cfg.lnXEps };
}
