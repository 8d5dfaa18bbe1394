/**
 * RWKV-4 (BlinkDL RWKV-LM "v4neo", Hugging Face `RwkvForCausalLM`). One block, Eq. 1 of the
 * paper with a time mix in place of attention:
 *
 *   h = ln1(X);  xk, xv, xr = h ⊙ time_mix_* + shift(h) ⊙ (1 − time_mix_*)
 *   k = key·xk, v = value·xv, r = σ(receptance·xr)                      [T,Datt]
 *   A = X + output·(r ⊙ wkv4(k, v; w = −exp(time_decay), u = time_first))
 *   X' = channelMix(A)                                                  (channel_mix.ts)
 *
 * State per block: `att_x`, `ffn_x` (token shift, [D]) and the WKV sums `aa`, `bb`, `pp` ([Datt]).
 *
 * @module
 */
import type { Block, Run } from "../model.ts";
import { channelMix, type ChannelMixWeights, channelMixWeights, type FfnShape } from "./channel_mix.ts";
import type { Getter } from "../weights.ts";
import {
  type Arr,
  layerNorm,
  type LayerNormWeights,
  layerNormWeights,
  onBackend,
  type RwkvBackend,
  startState,
} from "./common.ts";

/** Sizes of a v4 block. */
export interface ShapeV4 extends FfnShape {
  Datt: number;
}

/** `blocks.N.att.*` (BlinkDL names; HF's are mapped by {@link loadBlockV4}). */
export interface TimeMixWeightsV4<A = Arr> {
  ln1: LayerNormWeights<A>; // [D]
  time_mix_k: A; // [D]
  time_mix_v: A; // [D]
  time_mix_r: A; // [D]
  time_decay: A; // [Datt] raw: the decay used is w = −exp(time_decay)
  time_first: A; // [Datt] bonus u, as is
  key: A; // [Datt, D]
  value: A; // [Datt, D]
  receptance: A; // [Datt, D]
  output: A; // [D, Datt]
}

/** Recurrent state of one v4 block. */
export interface StateV4<A> {
  att_x: A; // [D] last ln1 output
  wkv: unknown; // aa, bb, pp [Datt] (the backend's WKV-4 state)
  ffn_x: A; // [D] last ln2 output
}

/** One RWKV-4 block: X [T,D] → X' [T,D]. */
export class BlockV4<A> implements Block<A> {
  constructor(
    readonly be: RwkvBackend<A>,
    readonly shape: ShapeV4,
    readonly att: TimeMixWeightsV4<A>,
    readonly ffn: ChannelMixWeights<A>,
    readonly originalIndex: number,
  ) {}

  forward(x: A, T: number, run: Run<A>, keepState: boolean): A {
    const { be: { ops, rk }, att } = this;
    const { D, Datt, eps } = this.shape;
    const st = startState<StateV4<A>, A>(
      run,
      this,
      keepState,
      () => ({ att_x: rk.zeros(D), wkv: rk.wkv4State(Datt), ffn_x: rk.zeros(D) }),
      (s) => ({ att_x: rk.copy(s.att_x, D), wkv: rk.copyState(s.wkv), ffn_x: rk.copy(s.ffn_x, D) }),
    );

    // time mix: A = X + output·(σ(r) ⊙ wkv)
    const h = layerNorm(ops, x, att.ln1, T, D, eps); // [T,D]
    const prev = rk.tokenShift(h, st.att_x, T, D); // [T,D]
    const k = ops.linear(rk.timeMix(h, prev, att.time_mix_k, T, D), att.key, T, D, Datt); // [T,Datt]
    const v = ops.linear(rk.timeMix(h, prev, att.time_mix_v, T, D), att.value, T, D, Datt); // [T,Datt]
    const r = ops.linear(rk.timeMix(h, prev, att.time_mix_r, T, D), att.receptance, T, D, Datt); // [T,Datt]
    rk.activate(r, T * Datt, "sigmoid");
    const y = rk.wkv4(k, v, att.time_decay, att.time_first, st.wkv, T, Datt); // [T,Datt]
    rk.mulInPlace(y, r, T * Datt);
    const a = ops.linear(y, att.output, T, Datt, D); // [T,D]
    ops.addInPlace(a, x, T * D);

    // channel mix: X' = A + σ(r) ⊙ value·relu(key·xk)²
    const out = channelMix(this.be, this.ffn, "time_mix", a, T, this.shape, st.ffn_x);
    if (keepState) run.state.set(this, st);
    return out;
  }
}

/** Where a v4 block's tensors live: BlinkDL `blocks.N.att.time_mix_k` or HF `rwkv.blocks.N.attention.time_mix_key`. */
const NAMES = {
  blinkdl: { att: "att", ffn: "ffn", mix_k: "time_mix_k", mix_v: "time_mix_v", mix_r: "time_mix_r" },
  hf: {
    att: "attention",
    ffn: "feed_forward",
    mix_k: "time_mix_key",
    mix_v: "time_mix_value",
    mix_r: "time_mix_receptance",
  },
} as const;

/** Reads block `i` (via `get`, scoped to `blocks.i` or `rwkv.blocks.i`). */
export function loadBlockV4<A>(
  be: RwkvBackend<A>,
  get: Getter,
  shape: ShapeV4,
  names: "blinkdl" | "hf",
  i: number,
): BlockV4<A> {
  const { D, Datt } = shape;
  const n = NAMES[names];
  const att: TimeMixWeightsV4 = {
    ln1: layerNormWeights(get, "ln1", D),
    time_mix_k: get(`${n.att}.${n.mix_k}`, [1, 1, D]),
    time_mix_v: get(`${n.att}.${n.mix_v}`, [1, 1, D]),
    time_mix_r: get(`${n.att}.${n.mix_r}`, [1, 1, D]),
    time_decay: get(`${n.att}.time_decay`, [Datt]),
    time_first: get(`${n.att}.time_first`, [Datt]),
    key: get(`${n.att}.key.weight`, [Datt, D]),
    value: get(`${n.att}.value.weight`, [Datt, D]),
    receptance: get(`${n.att}.receptance.weight`, [Datt, D]),
    output: get(`${n.att}.output.weight`, [D, Datt]),
  };
  const ffn = channelMixWeights(get, shape, { ln2: "ln2", ffn: n.ffn, mix_k: n.mix_k, mix_r: n.mix_r });
  return new BlockV4(be, shape, onBackend(be.ops, att), onBackend(be.ops, ffn), i);
}
