/**
 * RWKV-4 (BlinkDL RWKV-LM "v4neo", Hugging Face `RwkvForCausalLM`). One block, Eq. 1 of the
 * paper with a time mix in place of attention:
 *
 *   h = ln1(X);  xk, xv, xr = h ⊙ time_mix_* + shift(h) ⊙ (1 − time_mix_*)
 *   k = key·xk, v = value·xv, r = σ(receptance·xr)                      [T,A]
 *   A = X + output·(r ⊙ wkv4(k, v; w = −exp(time_decay), u = time_first))
 *   X' = channelMix(A)                                                  (channel_mix.ts)
 *
 * State per block: `att_x`, `ffn_x` (token shift, [D]) and the WKV sums `aa`, `bb`, `pp` ([A]).
 *
 * @module
 */
import { mulInPlace, sigmoidInPlace } from "../../../kernels/cpu/rwkv_activations.ts";
import { timeMix } from "../../../kernels/cpu/rwkv_token_shift.ts";
import { wkv4, type Wkv4State, wkv4State } from "../../../kernels/cpu/rwkv_wkv4.ts";
import type { Block, Run } from "../model.ts";
import { channelMix, type ChannelMixWeights, channelMixWeights, type FfnShape } from "./channel_mix.ts";
import {
  type Arr,
  type CpuOps,
  type Getter,
  layerNorm,
  type LayerNormWeights,
  layerNormWeights,
  shift,
  startState,
} from "./common.ts";

/** Sizes of a v4 block. */
export interface ShapeV4 extends FfnShape {
  A: number;
}

/** `blocks.N.att.*` (BlinkDL names; HF's are mapped by {@link loadBlockV4}). */
export interface TimeMixWeightsV4 {
  ln1: LayerNormWeights; // [D]
  time_mix_k: Arr; // [D]
  time_mix_v: Arr; // [D]
  time_mix_r: Arr; // [D]
  time_decay: Arr; // [A] raw: the decay used is w = −exp(time_decay)
  time_first: Arr; // [A] bonus u, as is
  key: Arr; // [A, D]
  value: Arr; // [A, D]
  receptance: Arr; // [A, D]
  output: Arr; // [D, A]
}

/** Recurrent state of one v4 block. */
export interface StateV4 {
  att_x: Arr; // [D] last ln1 output
  wkv: Wkv4State; // aa, bb, pp [A]
  ffn_x: Arr; // [D] last ln2 output
}

/** One RWKV-4 block: X [T,D] → X' [T,D]. */
export class BlockV4 implements Block<Arr> {
  constructor(
    readonly ops: CpuOps,
    readonly shape: ShapeV4,
    readonly att: TimeMixWeightsV4,
    readonly ffn: ChannelMixWeights,
    readonly originalIndex: number,
  ) {}

  forward(x: Arr, T: number, run: Run<Arr>, keepState: boolean): Arr {
    const { ops, att } = this;
    const { D, A, eps } = this.shape;
    const st = startState<StateV4>(run, this, keepState, () => ({
      att_x: new Float32Array(D),
      wkv: wkv4State(A),
      ffn_x: new Float32Array(D),
    }));

    // time mix: A = X + output·(σ(r) ⊙ wkv)
    const h = layerNorm(ops, x, att.ln1, T, D, eps); // [T,D]
    const prev = shift(h, st.att_x, T, D); // [T,D]
    const xk = new Float32Array(T * D), xv = new Float32Array(T * D), xr = new Float32Array(T * D);
    timeMix(xk, h, prev, att.time_mix_k, T, D);
    timeMix(xv, h, prev, att.time_mix_v, T, D);
    timeMix(xr, h, prev, att.time_mix_r, T, D);
    const k = ops.linear(xk, att.key, T, D, A); // [T,A]
    const v = ops.linear(xv, att.value, T, D, A); // [T,A]
    const r = ops.linear(xr, att.receptance, T, D, A); // [T,A]
    sigmoidInPlace(r);
    const y = new Float32Array(T * A); // [T,A]
    wkv4(y, k, v, att.time_decay, att.time_first, st.wkv, T, A);
    mulInPlace(y, r);
    const a = ops.linear(y, att.output, T, A, D); // [T,D]
    ops.addInPlace(a, x, T * D);

    // channel mix: X' = A + σ(r) ⊙ value·relu(key·xk)²
    const out = channelMix(ops, this.ffn, "time_mix", a, T, this.shape, st.ffn_x);
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
export function loadBlockV4(ops: CpuOps, get: Getter, shape: ShapeV4, names: "blinkdl" | "hf", i: number): BlockV4 {
  const { D, A } = shape;
  const n = NAMES[names];
  const att: TimeMixWeightsV4 = {
    ln1: layerNormWeights(get, "ln1", D),
    time_mix_k: get(`${n.att}.${n.mix_k}`, [1, 1, D]),
    time_mix_v: get(`${n.att}.${n.mix_v}`, [1, 1, D]),
    time_mix_r: get(`${n.att}.${n.mix_r}`, [1, 1, D]),
    time_decay: get(`${n.att}.time_decay`, [A]),
    time_first: get(`${n.att}.time_first`, [A]),
    key: get(`${n.att}.key.weight`, [A, D]),
    value: get(`${n.att}.value.weight`, [A, D]),
    receptance: get(`${n.att}.receptance.weight`, [A, D]),
    output: get(`${n.att}.output.weight`, [D, A]),
  };
  const ffn = channelMixWeights(get, shape, { ln2: "ln2", ffn: n.ffn, mix_k: n.mix_k, mix_r: n.mix_r });
  return new BlockV4(ops, shape, att, ffn, i);
}
