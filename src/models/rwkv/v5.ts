/**
 * RWKV-5: rwkv.cpp's "5.1" (ChatRWKV 5.0, per-head decay, no gate) and "5.2" ("Eagle",
 * per-channel decay, SiLU gate). H heads of size S with a matrix-valued state [S,S] each:
 *
 *   h = ln1(X);  x* = h ⊙ time_mix_* + shift(h) ⊙ (1 − time_mix_*)
 *   r, k, v = receptance·xr, key·xk, value·xv                          [T,Datt]
 *   y = wkv5(r, k, v; w = exp(−exp(time_decay)), u)                    (kernels/cpu/rwkv_wkv5.ts)
 *   y = ln_x(y) per head (GroupNorm, eps ln_x_eps)
 *   5.2 only: y = y ⊙ silu(gate·xg)
 *   A = X + output·y;  X' = channelMix(A)   (as v4)
 *
 * Load-time forms: 5.1 stores `time_decay` [H] and `time_first` [H] with `u = exp(time_first)`;
 * 5.2 stores `time_decay` [H,S] and `time_faaaa` [H,S] with `u = time_faaaa`. Both become
 * per-channel vectors [Datt] here, so one kernel serves both.
 *
 * @module
 */
import { UserError } from "../../errors.ts";
import type { Block, Run } from "../model.ts";
import { channelMix, type ChannelMixWeights, channelMixWeights } from "./channel_mix.ts";
import type { Getter } from "../weights.ts";
import {
  type Arr,
  layerNorm,
  type LayerNormWeights,
  layerNormWeights,
  onBackend,
  perChannel,
  type RwkvBackend,
  startState,
} from "./common.ts";
import type { ShapeV4 } from "./v4.ts";

/** Sizes of a v5, v6 or v7 block. */
export interface ShapeHeads extends ShapeV4 {
  H: number;
  S: number;
  lnXEps: number;
}

/** `blocks.N.att.*` of v5.x. */
export interface TimeMixWeightsV5<A = Arr> {
  ln1: LayerNormWeights<A>; // [D]
  time_mix_k: A; // [D]
  time_mix_v: A; // [D]
  time_mix_r: A; // [D]
  time_mix_g: A | null; // [D] (5.2)
  time_decay: A; // [Datt] log-log decay per channel (5.1: the head's value repeated S times)
  u: A; // [Datt] bonus: 5.1 exp(time_first[h]) repeated, 5.2 time_faaaa
  key: A; // [Datt, D]
  value: A; // [Datt, D]
  receptance: A; // [Datt, D]
  gate: A | null; // [Datt, D] (5.2)
  output: A; // [D, Datt]
  ln_x: LayerNormWeights<A>; // [Datt]
}

/** Recurrent state of one v5, v6 or v7 block. */
export interface StateHeads<A> {
  att_x: A; // [D] last ln1 output
  s: unknown; // [H, S, S] WKV state per head (the backend's)
  ffn_x: A; // [D] last ln2 output
}

/** The state a v5, v6 or v7 block starts a call from (zero, or the run's; see {@link startState}). */
export function headsState<A>(
  { rk }: RwkvBackend<A>,
  { D, H, S }: ShapeHeads,
  run: Run<A>,
  block: object,
  keepState: boolean,
): StateHeads<A> {
  return startState<StateHeads<A>, A>(
    run,
    block,
    keepState,
    () => ({ att_x: rk.zeros(D), s: rk.headsState(H, S), ffn_x: rk.zeros(D) }),
    (st) => ({ att_x: rk.copy(st.att_x, D), s: rk.copyState(st.s), ffn_x: rk.copy(st.ffn_x, D) }),
  );
}

/** One RWKV-5 block: X [T,D] → X' [T,D]. */
export class BlockV5<A> implements Block<A> {
  constructor(
    readonly be: RwkvBackend<A>,
    readonly shape: ShapeHeads,
    readonly att: TimeMixWeightsV5<A>,
    readonly ffn: ChannelMixWeights<A>,
    readonly originalIndex: number,
  ) {}

  forward(x: A, T: number, run: Run<A>, keepState: boolean): A {
    const { be: { ops, rk }, att } = this;
    const { D, Datt, H, S, eps, lnXEps } = this.shape;
    const st = headsState(this.be, this.shape, run, this, keepState);

    // time mix: A = X + output·(ln_x(wkv5(r, k, v)) [⊙ silu(g)])
    const h = layerNorm(ops, x, att.ln1, T, D, eps); // [T,D]
    const prev = rk.tokenShift(h, st.att_x, T, D); // [T,D]
    const mixed = (mix: A) => rk.timeMix(h, prev, mix, T, D); // [T,D]
    const r = ops.linear(mixed(att.time_mix_r), att.receptance, T, D, Datt); // [T,Datt]
    const k = ops.linear(mixed(att.time_mix_k), att.key, T, D, Datt); // [T,Datt]
    const v = ops.linear(mixed(att.time_mix_v), att.value, T, D, Datt); // [T,Datt]
    const wkv = rk.wkv5(r, k, v, att.time_decay, att.u, st.s, T, H, S); // [T,Datt]
    const y = rk.groupNorm(wkv, att.ln_x.weight, att.ln_x.bias, T, H, S, lnXEps); // [T,Datt]
    if (att.gate && att.time_mix_g) {
      const g = ops.linear(mixed(att.time_mix_g), att.gate, T, D, Datt); // [T,Datt]
      rk.activate(g, T * Datt, "silu");
      rk.mulInPlace(y, g, T * Datt);
    }
    const a = ops.linear(y, att.output, T, Datt, D); // [T,D]
    ops.addInPlace(a, x, T * D);

    // channel mix: X' = A + σ(r) ⊙ value·relu(key·xk)²
    const out = channelMix(this.be, this.ffn, "time_mix", a, T, this.shape, st.ffn_x);
    if (keepState) run.state.set(this, st);
    return out;
  }
}

/** Reads block `i` of a v5.1 or v5.2 model (via `get`, scoped to `blocks.i`). */
export function loadBlockV5<A>(
  be: RwkvBackend<A>,
  get: Getter,
  shape: ShapeHeads,
  version: "5.1" | "5.2",
  i: number,
): BlockV5<A> {
  const { D, Datt, H, S } = shape;
  const v52 = version === "5.2";
  if (!v52 && get.has("att.gate.weight")) {
    throw new UserError(
      `Tensor "${get.prefix}.att.gate.weight" is present but rwkv_version is 5.1 (no gate); a gated per-head model is ChatRWKV's 5.1, which shortgpt does not support`,
    );
  }
  const att: TimeMixWeightsV5 = {
    ln1: layerNormWeights(get, "ln1", D),
    time_mix_k: get("att.time_mix_k", [1, 1, D]),
    time_mix_v: get("att.time_mix_v", [1, 1, D]),
    time_mix_r: get("att.time_mix_r", [1, 1, D]),
    time_mix_g: v52 ? get("att.time_mix_g", [1, 1, D]) : null,
    time_decay: v52 ? get("att.time_decay", [H, S]) : perChannel(get("att.time_decay", [H]), H, S),
    u: v52 ? get("att.time_faaaa", [H, S]) : perChannel(get("att.time_first", [H]), H, S, Math.exp),
    key: get("att.key.weight", [Datt, D]),
    value: get("att.value.weight", [Datt, D]),
    receptance: get("att.receptance.weight", [Datt, D]),
    gate: v52 ? get("att.gate.weight", [Datt, D]) : null,
    output: get("att.output.weight", [D, Datt]),
    ln_x: layerNormWeights(get, "att.ln_x", Datt),
  };
  const ffn = channelMixWeights(get, shape, { ln2: "ln2", ffn: "ffn", mix_k: "time_mix_k", mix_r: "time_mix_r" });
  return new BlockV5(be, shape, onBackend(be.ops, att), onBackend(be.ops, ffn), i);
}
