/**
 * RWKV-6 ("Finch", BlinkDL x060): data-dependent token shift and data-dependent decay, both
 * through low-rank projections, on top of the RWKV-5.2 time mix:
 *
 *   h = ln1(X);  p = shift(h)
 *   xxx = h + (p − h) ⊙ time_maa_x
 *   m_* = tanh(xxx·time_maa_w1)_* · time_maa_w2[*]        for * = w, k, v, r, g   (rank time_mix_extra_dim)
 *   x*  = h + (p − h) ⊙ (time_maa_* + m_*)
 *   r, k, v = receptance·xr, key·xk, value·xv;  g = silu(gate·xg)                 [T,Datt]
 *   dw = tanh(xw·time_decay_w1)·time_decay_w2                                      (rank time_decay_extra_dim)
 *   y = wkv6(r, k, v; w_t = exp(−exp(time_decay + dw_t)), u = time_faaaa)         (kernels/cpu/rwkv_wkv5.ts)
 *   A = X + output·(ln_x(y) ⊙ g);  X' = channelMix(A) with time_maa_k/r mixes
 *
 * `time_maa_w1` [D, 5R] holds the five first-stage matrices side by side (columns m·R..(m+1)·R
 * for m = w, k, v, r, g); they are split and transposed at load into five LoRAs.
 *
 * @module
 */
import type { Block, Run } from "../model.ts";
import { channelMix, type ChannelMixWeights, channelMixWeights } from "./channel_mix.ts";
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

/** The five data-dependent mixes, in `time_maa_w1`'s order. */
const MAA = ["w", "k", "v", "r", "g"] as const;
type Maa = typeof MAA[number];

/** Sizes of a v6 block. */
export interface ShapeV6 extends ShapeHeads {
  /** rank of the token-shift LoRA (time_mix_extra_dim) */
  Rm: number;
  /** rank of the decay LoRA (time_decay_extra_dim) */
  Rd: number;
}

/** `blocks.N.att.*` of v6. */
export interface TimeMixWeightsV6<A = Arr> {
  ln1: LayerNormWeights<A>; // [D]
  time_maa_x: A; // [D]
  time_maa: Record<Maa, A>; // time_maa_w, _k, _v, _r, _g: [D] each
  time_maa_lora: Record<Maa, Lora<A>>; // column block m of time_maa_w1 [D,5Rm] and time_maa_w2[m] [Rm,D]
  time_decay: A; // [Datt]
  time_decay_lora: Lora<A>; // time_decay_w1 [D,Rd], time_decay_w2 [Rd,Datt]
  time_faaaa: A; // [Datt] bonus u ([H,S] in the checkpoint)
  key: A; // [Datt, D]
  value: A; // [Datt, D]
  receptance: A; // [Datt, D]
  gate: A; // [Datt, D]
  output: A; // [D, Datt]
  ln_x: LayerNormWeights<A>; // [Datt]
}

/** One RWKV-6 block: X [T,D] → X' [T,D]. */
export class BlockV6<A> implements Block<A> {
  constructor(
    readonly be: RwkvBackend<A>,
    readonly shape: ShapeV6,
    readonly att: TimeMixWeightsV6<A>,
    readonly ffn: ChannelMixWeights<A>,
    readonly originalIndex: number,
  ) {}

  forward(x: A, T: number, run: Run<A>, keepState: boolean): A {
    const { be, be: { ops, rk }, att } = this;
    const { D, Datt, H, S, eps, lnXEps } = this.shape;
    const st = headsState(be, this.shape, run, this, keepState);

    // data-dependent token shift: x* = h + (p − h) ⊙ (time_maa_* + m_*)
    const h = layerNorm(ops, x, att.ln1, T, D, eps); // [T,D]
    const prev = rk.tokenShift(h, st.att_x, T, D); // [T,D]
    const xxx = rk.timeMaa(h, prev, att.time_maa_x, T, D); // [T,D]
    const mixed = {} as Record<Maa, A>; // xw, xk, xv, xr, xg: [T,D] each
    for (const m of MAA) {
      const dm = lora(be, xxx, att.time_maa_lora[m], T, D, D, "tanh"); // m_* [T,D]
      mixed[m] = rk.timeMaa(h, prev, att.time_maa[m], T, D, dm);
    }

    // time mix: A = X + output·(ln_x(wkv6(r, k, v; w_t)) ⊙ silu(g))
    const r = ops.linear(mixed.r, att.receptance, T, D, Datt); // [T,Datt]
    const k = ops.linear(mixed.k, att.key, T, D, Datt); // [T,Datt]
    const v = ops.linear(mixed.v, att.value, T, D, Datt); // [T,Datt]
    const g = ops.linear(mixed.g, att.gate, T, D, Datt); // [T,Datt]
    rk.activate(g, T * Datt, "silu");
    const dw = lora(be, mixed.w, att.time_decay_lora, T, D, Datt, "tanh"); // [T,Datt]
    const wkv = rk.wkv5(r, k, v, att.time_decay, att.time_faaaa, st.s, T, H, S, dw); // WKV-6: WKV-5 with decay per token [T,Datt]
    const y = rk.groupNorm(wkv, att.ln_x.weight, att.ln_x.bias, T, H, S, lnXEps); // [T,Datt]
    rk.mulInPlace(y, g, T * Datt);
    const a = ops.linear(y, att.output, T, Datt, D); // [T,D]
    ops.addInPlace(a, x, T * D);

    // channel mix: X' = A + σ(r) ⊙ value·relu(key·xk)², xk/xr mixed with time_maa_k/r
    const out = channelMix(be, this.ffn, "time_maa", a, T, this.shape, st.ffn_x);
    if (keepState) run.state.set(this, st);
    return out;
  }
}

/** Reads block `i` of a v6 model (via `get`, scoped to `blocks.i`). */
export function loadBlockV6<A>(be: RwkvBackend<A>, get: Getter, shape: ShapeV6, i: number): BlockV6<A> {
  const { D, Datt, H, S, Rm, Rd } = shape;
  const w1 = get("att.time_maa_w1", [D, MAA.length * Rm]); // x @ w1, five [D,Rm] blocks side by side
  const w2 = get("att.time_maa_w2", [MAA.length, Rm, D]); // five [Rm,D]
  const time_maa = {} as Record<Maa, Arr>;
  const time_maa_lora = {} as Record<Maa, Lora>;
  MAA.forEach((m, j) => {
    time_maa[m] = get(`att.time_maa_${m}`, [1, 1, D]);
    const w1_t = new Float32Array(Rm * D); // [Rm, D]: columns j·Rm.. of w1, transposed
    for (let c = 0; c < D; c++) for (let q = 0; q < Rm; q++) w1_t[q * D + c] = w1[c * MAA.length * Rm + j * Rm + q];
    const w2_t = new Float32Array(D * Rm); // [D, Rm]: w2[j] transposed
    for (let q = 0; q < Rm; q++) for (let c = 0; c < D; c++) w2_t[c * Rm + q] = w2[(j * Rm + q) * D + c];
    time_maa_lora[m] = { w1_t, w2_t, R: Rm };
  });
  const att: TimeMixWeightsV6 = {
    ln1: layerNormWeights(get, "ln1", D),
    time_maa_x: get("att.time_maa_x", [1, 1, D]),
    time_maa,
    time_maa_lora,
    time_decay: get("att.time_decay", [1, 1, Datt]),
    time_decay_lora: loraWeights(get, "att.time_decay_w1", "att.time_decay_w2", D, Rd, Datt),
    time_faaaa: get("att.time_faaaa", [H, S]),
    key: get("att.key.weight", [Datt, D]),
    value: get("att.value.weight", [Datt, D]),
    receptance: get("att.receptance.weight", [Datt, D]),
    gate: get("att.gate.weight", [Datt, D]),
    output: get("att.output.weight", [D, Datt]),
    ln_x: layerNormWeights(get, "att.ln_x", Datt),
  };
  const ffn = channelMixWeights(get, shape, { ln2: "ln2", ffn: "ffn", mix_k: "time_maa_k", mix_r: "time_maa_r" });
  return new BlockV6(be, shape, onBackend(be.ops, att), onBackend(be.ops, ffn), i);
}
