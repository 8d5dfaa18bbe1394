/**
 * A whole RWKV model (versions 4, 5.1, 5.2, 6, 7): `X_0 = ln0(emb[ids])`, then the blocks, then
 * `logits = head·ln_out(X_L)`.
 *
 * `ln0` is stored as `blocks.0.ln0` (HF: `rwkv.blocks.0.pre_ln`) but belongs to the embedding:
 * it is applied in {@link RwkvModel.embed}, so `X_0` is the normed embedding (the golden files'
 * convention) and removing block 0 keeps it. Each block runs the tokens one after another from
 * its recurrent state (zero, or the one a kept run holds) and never reads its index.
 *
 * The blocks run on any backend whose {@link Ops} carry RWKV operations ({@link RwkvOps}: the
 * CPU's `kernels/cpu/rwkv_*.ts`, WebGPU's `kernels/wgsl/rwkv_*.wgsl`).
 *
 * @module
 */
import type { Ops } from "../../backend/ops.ts";
import type { RawConfig } from "../../io/config_fields.ts";
import type { Block, CausalLM, ModelInfo, ModelParts } from "../model.ts";
import { scoped, type Weights } from "../weights.ts";
import {
  layerNorm,
  type LayerNormWeights,
  layerNormWeights,
  onBackend,
  type RwkvBackend,
  rwkvBackend,
} from "./common.ts";
import { resolveRwkvConfig, type RwkvConfig } from "./config.ts";
import { loadBlockV4 } from "./v4.ts";
import { loadBlockV5 } from "./v5.ts";
import { loadBlockV6 } from "./v6.ts";
import { loadBlockV7 } from "./v7.ts";

/** The model facts of an RWKV config. */
function rwkvInfo(config: RwkvConfig): ModelInfo {
  return Object.freeze({
    family: "rwkv",
    hiddenSize: config.hiddenSize,
    vocabSize: config.vocabSize,
    maxPositions: Number.MAX_SAFE_INTEGER, // a recurrence: no context limit
    bosTokenId: config.bosTokenId,
    eosTokenId: config.eosTokenId,
    eosTokenIds: config.eosTokenId === null ? [] : [config.eosTokenId],
  });
}

/** An RWKV language model. */
export class RwkvModel<A> implements CausalLM<A> {
  readonly info: ModelInfo;
  blocks: Block<A>[];

  constructor(
    readonly ops: Ops<A>,
    readonly config: RwkvConfig,
    readonly dir: string,
    readonly emb: A, // [V,D]
    readonly ln0: LayerNormWeights<A>, // [D]
    blocks: Block<A>[],
    readonly ln_out: LayerNormWeights<A>, // [D]
    readonly headWeight: A, // [V,D] head.weight
  ) {
    this.blocks = blocks;
    this.info = rwkvInfo(config);
  }

  /** X_0 = ln0(emb[ids]): [T] → [T,D]. */
  embed(ids: Int32Array): A {
    const { hiddenSize: D, layerNormEps } = this.config;
    const x = this.ops.embed(this.emb, ids, D); // [T,D]
    return layerNorm(this.ops, x, this.ln0, ids.length, D, layerNormEps);
  }

  /** ln_out(X_L): [T,D] → [T,D]. */
  finalNorm(x: A, T: number): A {
    return layerNorm(this.ops, x, this.ln_out, T, this.config.hiddenSize, this.config.layerNormEps);
  }

  /** head.weight · x: [T,D] → [T,V]. */
  head(x: A, T: number): A {
    return this.ops.linear(x, this.headWeight, T, this.config.hiddenSize, this.config.vocabSize);
  }
}

/** A function that reads and builds block i of an RWKV checkpoint. */
function blockLoader<A>(be: RwkvBackend<A>, cfg: RwkvConfig, weights: Weights): (i: number) => Block<A> {
  const hf = cfg.names === "hf";
  const vFirstKey = {}; // v7: the key under which blocks hand v_first on in run.state
  return (i) => {
    const bget = scoped(weights, hf ? `rwkv.blocks.${i}` : `blocks.${i}`);
    const base = { D: cfg.hiddenSize, Datt: cfg.attSize, F: cfg.ffnSize, eps: cfg.layerNormEps };
    switch (cfg.version) {
      case "4.0":
        return loadBlockV4(be, bget, base, cfg.names, i);
      case "5.1":
      case "5.2":
        return loadBlockV5(be, bget, { ...base, ...heads(cfg) }, cfg.version, i);
      case "6.0":
        return loadBlockV6(be, bget, { ...base, ...heads(cfg), Rm: cfg.timeMixExtraDim, Rd: cfg.timeDecayExtraDim }, i);
      case "7.0": {
        const ranks = { Rw: cfg.decayLora, Ra: cfg.aaaLora, Rv: cfg.mvLora, Rg: cfg.gateLora };
        return loadBlockV7(be, bget, { ...base, ...heads(cfg), ...ranks }, i, vFirstKey);
      }
    }
  };
}

/** Reads the model-level tensors: embedding, ln0, ln_out and the head, uploaded to the backend. */
function stemWeights<A>(ops: Ops<A>, cfg: RwkvConfig, weights: Weights) {
  const { hiddenSize: D, vocabSize: V } = cfg;
  const hf = cfg.names === "hf";
  const get = scoped(weights, hf ? "rwkv" : ""); // top-level tensors
  const emb = () => ops.upload(get(hf ? "embeddings.weight" : "emb.weight", [V, D]));
  return {
    emb,
    ln0: () => onBackend(ops, layerNormWeights(get, hf ? "blocks.0.pre_ln" : "blocks.0.ln0", D)),
    ln_out: () => onBackend(ops, layerNormWeights(get, "ln_out", D)),
    head: (
      embTable?: A,
    ) => (cfg.tieWordEmbeddings ? embTable ?? emb() : ops.upload(weights.get("head.weight", [V, D]))),
  };
}

/**
 * Loads an RWKV folder (the `rwkv` entry of `loadModel`'s loaders) onto `ops`' backend.
 *
 * @throws {UserError} for a backend without RWKV operations (`Ops.rwkv`)
 *
 * @example
 * ```ts
 * import { loadModel } from "../load.ts";
 * const model = loadModel("testdata/models/tiny-rwkv-7v0-834K");
 * model.blocks.length; // 12
 * ```
 */
export function loadRwkv<A>(ops: Ops<A>, raw: RawConfig, weights: Weights, dir: string): CausalLM<A> {
  const be = rwkvBackend(ops);
  const cfg = resolveRwkvConfig(raw);
  const stem = stemWeights(ops, cfg, weights);
  const emb = stem.emb();
  const load = blockLoader(be, cfg, weights);
  const blocks = Array.from({ length: cfg.numLayers }, (_, i) => load(i));
  return new RwkvModel(ops, cfg, dir, emb, stem.ln0(), blocks, stem.ln_out(), stem.head(emb));
}

/** Opens an RWKV folder part by part (see {@link ModelParts}): weights are read on first use. */
export function openRwkvParts<A>(ops: Ops<A>, raw: RawConfig, weights: Weights, dir: string): ModelParts<A> {
  const be = rwkvBackend(ops);
  const cfg = resolveRwkvConfig(raw);
  const stem = stemWeights(ops, cfg, weights);
  const { hiddenSize: D, vocabSize: V, layerNormEps: eps } = cfg;
  // Each stem tensor is read when first used; the embedding can be dropped once every window is
  // embedded (a tied head reads it again).
  let emb: A | undefined, ln0: LayerNormWeights<A> | undefined, lnOut: LayerNormWeights<A> | undefined;
  let head: A | undefined;
  return {
    info: rwkvInfo(cfg),
    ops,
    dir,
    numLayers: cfg.numLayers,
    embed: (ids) => layerNorm(ops, ops.embed(emb ??= stem.emb(), ids, D), ln0 ??= stem.ln0(), ids.length, D, eps),
    finalNorm: (x, T) => layerNorm(ops, x, lnOut ??= stem.ln_out(), T, D, eps),
    head: (x, T) => ops.linear(x, head ??= stem.head(emb), T, D, V),
    releaseEmbed: () => void (emb = undefined),
    loadBlock: blockLoader(be, cfg, weights),
  };
}

function heads(cfg: { numHeads: number; headSize: number; lnXEps: number }) {
  return { H: cfg.numHeads, S: cfg.headSize, lnXEps: cfg.lnXEps };
}
