/**
 * RWKV-7 ("Goose", BlinkDL x070 / ChatRWKV `RWKV_x070`): a generalized delta-rule state and a
 * value residual across blocks.
 *
 *   h = ln1(X);  p = shift(h);  x* = h + (p − h) ⊙ x_*              for * = r, w, k, v, a, g
 *   r, k, v = receptance·xr, key·xk, value·xv                         [T,Datt]
 *   w = exp(−e^{−1/2}·σ(w0 + tanh(xw·w1)·w2))                          decay
 *   a = σ(a0 + xa·a1·a2)                                               in-context learning rate
 *   g = σ(xg·g1)·g2                                                    output gate
 *   κ̂ = normalize_head(k ⊙ k_k);  k ← k ⊙ (1 + (a − 1) ⊙ k_a)
 *   v_first = v                                   in the first block evaluated (see below)
 *   v ← v + (v_first − v) ⊙ σ(v0 + xv·v1·v2)      in every later block
 *   y = wkv7(r, w, k, v, κ̂, a)                                        (kernels/cpu/rwkv_wkv7.ts)
 *   y = ln_x(y) + (Σ_head r ⊙ k ⊙ r_k)·v
 *   A = X + output·(y ⊙ g);  X' = A + value·relu(key·xk)²  (xk with ffn.x_k; no receptance)
 *
 * **v_first under layer removal.** `v_first` is the value of the first block *evaluated*, not of
 * the checkpoint's block 0: with block 0 removed, the first remaining block produces it (and skips
 * its own v0/v1/v2). Blocks hand it on through the run, under a key object the model owns: each
 * block leaves `{pos0, v, out}` there (`out` = its output X'). A block whose input X is that `out`,
 * at the same `run.pos0`, continues the pass and mixes toward `v`; any other block starts a pass
 * and its own value becomes `v_first`. So a new `forward` call (fresh X_0), a removed block or a
 * repeated call all pick the right producer, with no block index anywhere.
 *
 * @module
 */
import { UserError } from "../../errors.ts";
import type { Block, Run } from "../model.ts";
import { channelMixV7, type ChannelMixWeightsV7, channelMixWeightsV7 } from "./channel_mix.ts";
import type { Getter } from "../weights.ts";
import {
  type Arr,
  layerNorm,
  type LayerNormWeights,
  layerNormWeights,
  type Lora,
  lora,
  loraWeights,
  onBackend,
  type RwkvBackend,
} from "./common.ts";
import { headsState, type ShapeHeads } from "./v5.ts";

/** Sizes of a v7 block. */
export interface ShapeV7 extends ShapeHeads {
  Rw: number; // d_decay_lora
  Ra: number; // d_aaa_lora
  Rv: number; // d_mv_lora
  Rg: number; // d_gate_lora
}

/** `blocks.N.att.*` of v7. */
export interface TimeMixWeightsV7<A = Arr> {
  ln1: LayerNormWeights<A>; // [D]
  x_r: A; // [D]
  x_w: A;
  x_k: A;
  x_v: A;
  x_a: A;
  x_g: A;
  w0: A; // [Datt]
  w: Lora<A>; // w1 [D,Rw], w2 [Rw,Datt]
  a0: A; // [Datt]
  a: Lora<A>; // a1 [D,Ra], a2 [Ra,Datt]
  /** v0 [Datt] and v1 [D,Rv], v2 [Rv,Datt]; null when the checkpoint has none (such a block can only come first). */
  v0: A | null;
  v: Lora<A> | null;
  g: Lora<A>; // g1 [D,Rg], g2 [Rg,Datt]
  k_k: A; // [Datt]
  k_a: A; // [Datt]
  r_k: A; // [Datt] ([H,S] in the checkpoint)
  key: A; // [Datt, D]
  value: A; // [Datt, D]
  receptance: A; // [Datt, D]
  output: A; // [D, Datt]
  ln_x: LayerNormWeights<A>; // [Datt]
}

/** What the blocks of one pass leave in the run for the next block. */
export interface VFirst<A> {
  /** `run.pos0` and token count of the pass. */
  pos0: number;
  T: number;
  /** v_first [T, Datt], the value of the pass's first block. */
  v: A;
  /** Output X' [T, D] of the last block that ran; the next block of the pass receives it as X. */
  out: A;
}

/** One RWKV-7 block: X [T,D] → X' [T,D]. `vFirstKey` is the model's key for v_first in `run.state`. */
export class BlockV7<A> implements Block<A> {
  constructor(
    readonly be: RwkvBackend<A>,
    readonly shape: ShapeV7,
    readonly att: TimeMixWeightsV7<A>,
    readonly ffn: ChannelMixWeightsV7<A>,
    readonly originalIndex: number,
    readonly vFirstKey: object,
  ) {}

  forward(x: A, T: number, run: Run<A>, keepState: boolean): A {
    const { be, be: { ops, rk }, att } = this;
    const { D, Datt, H, S, eps, lnXEps } = this.shape;
    const st = headsState(be, this.shape, run, this, keepState);

    // token shift: x* = h + (p − h) ⊙ x_*
    const h = layerNorm(ops, x, att.ln1, T, D, eps); // [T,D]
    const prev = rk.tokenShift(h, st.att_x, T, D); // [T,D]
    const mixed = (maa: A) => rk.timeMaa(h, prev, maa, T, D); // [T,D]
    const xw = mixed(att.x_w), xv = mixed(att.x_v), xa = mixed(att.x_a), xg = mixed(att.x_g);

    // projections, decay, learning rate, gate
    const r = ops.linear(mixed(att.x_r), att.receptance, T, D, Datt); // [T,Datt]
    const k = ops.linear(mixed(att.x_k), att.key, T, D, Datt); // [T,Datt]
    const v = ops.linear(xv, att.value, T, D, Datt); // [T,Datt]
    const w = lora(be, xw, att.w, T, D, Datt, "tanh"); // tanh(xw·w1)·w2 [T,Datt]
    rk.decay7InPlace(w, att.w0, T, Datt); // w = exp(−e^{−1/2}·σ(w0 + ·))
    const a = lora(be, xa, att.a, T, D, Datt); // [T,Datt]
    rk.sigmoidOfSumInPlace(a, att.a0, T, Datt); // a = σ(a0 + xa·a1·a2)
    const g = lora(be, xg, att.g, T, D, Datt, "sigmoid"); // σ(xg·g1)·g2 [T,Datt]
    const kk = rk.keys7(k, a, att.k_k, att.k_a, T, H, S); // κ̂ [T,Datt]; k scaled in place

    // value residual: the first block of a pass sets v_first, later ones mix toward it
    let pass = run.state.get(this.vFirstKey) as VFirst<A> | undefined;
    if (pass === undefined || pass.pos0 !== run.pos0 || pass.out !== x) {
      pass = { pos0: run.pos0, T, v, out: x }; // this block starts the pass: v_first = v
      run.state.set(this.vFirstKey, pass);
    } else {
      if (pass.T !== T) throw new Error(`v_first holds ${pass.T} tokens, this call ${T}`);
      if (!att.v0 || !att.v) {
        throw new UserError(
          `Block ${this.originalIndex} has no att.v0/v1/v2, so it can only be the first block; it follows another block here`,
        );
      }
      const gate = lora(be, xv, att.v, T, D, Datt); // [T,Datt]
      rk.sigmoidOfSumInPlace(gate, att.v0, T, Datt); // σ(v0 + xv·v1·v2)
      rk.valueResidual7(v, pass.v, gate, T * Datt);
    }

    // time mix: A = X + output·((ln_x(wkv7) + bonus) ⊙ g)
    const wkv = rk.wkv7(r, w, k, v, kk, a, st.s, T, H, S); // [T,Datt]
    const y = rk.groupNorm(wkv, att.ln_x.weight, att.ln_x.bias, T, H, S, lnXEps); // [T,Datt]
    rk.bonus7(y, r, k, v, att.r_k, T, H, S);
    rk.mulInPlace(y, g, T * Datt);
    const resA = ops.linear(y, att.output, T, Datt, D); // A [T,D] (the name `a` is the learning rate here)
    ops.addInPlace(resA, x, T * D);

    // channel mix: X' = A + value·relu(key·xk)²
    const out = channelMixV7(be, this.ffn, resA, T, this.shape, st.ffn_x);
    pass.out = out; // hand v_first on to the block that reads this output
    if (keepState) run.state.set(this, st);
    return out;
  }
}

/** Reads block `i` of a v7 model (via `get`, scoped to `blocks.i`). */
export function loadBlockV7<A>(
  be: RwkvBackend<A>,
  get: Getter,
  shape: ShapeV7,
  i: number,
  vFirstKey: object,
): BlockV7<A> {
  const { D, Datt, H, S, Rw, Ra, Rv, Rg } = shape;
  const hasV = get.has("att.v0");
  const att: TimeMixWeightsV7 = {
    ln1: layerNormWeights(get, "ln1", D),
    x_r: get("att.x_r", [1, 1, D]),
    x_w: get("att.x_w", [1, 1, D]),
    x_k: get("att.x_k", [1, 1, D]),
    x_v: get("att.x_v", [1, 1, D]),
    x_a: get("att.x_a", [1, 1, D]),
    x_g: get("att.x_g", [1, 1, D]),
    w0: get("att.w0", [1, 1, Datt]),
    w: loraWeights(get, "att.w1", "att.w2", D, Rw, Datt),
    a0: get("att.a0", [1, 1, Datt]),
    a: loraWeights(get, "att.a1", "att.a2", D, Ra, Datt),
    v0: hasV ? get("att.v0", [1, 1, Datt]) : null,
    v: hasV ? loraWeights(get, "att.v1", "att.v2", D, Rv, Datt) : null,
    g: loraWeights(get, "att.g1", "att.g2", D, Rg, Datt),
    k_k: get("att.k_k", [1, 1, Datt]),
    k_a: get("att.k_a", [1, 1, Datt]),
    r_k: get("att.r_k", [H, S]),
    key: get("att.key.weight", [Datt, D]),
    value: get("att.value.weight", [Datt, D]),
    receptance: get("att.receptance.weight", [Datt, D]),
    output: get("att.output.weight", [D, Datt]),
    ln_x: layerNormWeights(get, "att.ln_x", Datt),
  };
  return new BlockV7(
    be,
    shape,
    onBackend(be.ops, att),
    onBackend(be.ops, channelMixWeightsV7(get, shape)),
    i,
    vFirstKey,
  );
}
