/**
 * RWKV's channel mix (its FFN), the second half of every block:
 *
 *   h = ln2(A);  xk, xr = token-shift mixes of h
 *   X' = A + σ(receptance·xr) ⊙ value·relu(key·xk)²          (v4, v5.x, v6)
 *   X' = A + value·relu(key·xk)²                               (v7: no receptance)
 *
 * The versions differ only in how xk and xr are mixed: `time_mix_*` (v4, v5.x), `time_maa_*`
 * (v6), `x_k` (v7); see `kernels/cpu/rwkv_token_shift.ts`.
 *
 * @module
 */
import type { Getter } from "../weights.ts";
import { type Arr, layerNorm, type LayerNormWeights, layerNormWeights, type RwkvBackend } from "./common.ts";

/** Sizes of a channel mix. */
export interface FfnShape {
  D: number;
  F: number;
  eps: number;
}

/** `blocks.N.ffn.*` of v4, v5.x (and, with `time_maa_*` mixes, v6). */
export interface ChannelMixWeights<A = Arr> {
  ln2: LayerNormWeights<A>; // [D]
  mix_k: A; // [D] time_mix_k (v4, v5) or time_maa_k (v6)
  mix_r: A; // [D] time_mix_r or time_maa_r
  key: A; // [F, D]
  value: A; // [D, F]
  receptance: A; // [D, D]
}

/** `blocks.N.ffn.*` of v7. */
export interface ChannelMixWeightsV7<A = Arr> {
  ln2: LayerNormWeights<A>; // [D]
  x_k: A; // [D]
  key: A; // [F, D]
  value: A; // [D, F]
}

/**
 * Reads the channel mix of one block. `names` maps BlinkDL's names to the checkpoint's (Hugging
 * Face v4 calls them `feed_forward.time_mix_key`, ...).
 */
export function channelMixWeights(
  get: Getter,
  { D, F }: FfnShape,
  names: { ln2: string; ffn: string; mix_k: string; mix_r: string },
): ChannelMixWeights {
  const f = names.ffn;
  return {
    ln2: layerNormWeights(get, names.ln2, D),
    mix_k: get(`${f}.${names.mix_k}`, [1, 1, D]),
    mix_r: get(`${f}.${names.mix_r}`, [1, 1, D]),
    key: get(`${f}.key.weight`, [F, D]),
    value: get(`${f}.value.weight`, [D, F]),
    receptance: get(`${f}.receptance.weight`, [D, D]),
  };
}

/** Reads `ln2` and `ffn.x_k`, `ffn.key`, `ffn.value` of a v7 block. */
export function channelMixWeightsV7(get: Getter, { D, F }: FfnShape): ChannelMixWeightsV7 {
  return {
    ln2: layerNormWeights(get, "ln2", D),
    x_k: get("ffn.x_k", [1, 1, D]),
    key: get("ffn.key.weight", [F, D]),
    value: get("ffn.value.weight", [D, F]),
  };
}

/**
 * Channel mix of v4 / v5.x (`convention: "time_mix"`) or v6 (`"time_maa"`): A [T,D] → X' [T,D].
 * `ffn_x` [D] is the token-shift state (last ln2 output), updated in place.
 */
export function channelMix<A>(
  { ops, rk }: RwkvBackend<A>,
  w: ChannelMixWeights<A>,
  convention: "time_mix" | "time_maa",
  a: A,
  T: number,
  { D, F, eps }: FfnShape,
  ffn_x: A,
): A {
  const h = layerNorm(ops, a, w.ln2, T, D, eps); // [T,D]
  const prev = rk.tokenShift(h, ffn_x, T, D); // [T,D]
  const mix = (m: A) => (convention === "time_mix" ? rk.timeMix(h, prev, m, T, D) : rk.timeMaa(h, prev, m, T, D));
  const xk = mix(w.mix_k), xr = mix(w.mix_r); // [T,D]
  const k = ops.linear(xk, w.key, T, D, F); // [T,F]
  rk.activate(k, T * F, "relu2");
  const kv = ops.linear(k, w.value, T, F, D); // [T,D]
  const r = ops.linear(xr, w.receptance, T, D, D); // [T,D]
  rk.activate(r, T * D, "sigmoid");
  rk.mulInPlace(kv, r, T * D); // σ(r) ⊙ value·relu(key·xk)²
  ops.addInPlace(kv, a, T * D); // X' = A + FFN
  return kv;
}

/** Channel mix of v7: A [T,D] → X' [T,D], no receptance. `ffn_x` [D] is updated in place. */
export function channelMixV7<A>(
  { ops, rk }: RwkvBackend<A>,
  w: ChannelMixWeightsV7<A>,
  a: A,
  T: number,
  { D, F, eps }: FfnShape,
  ffn_x: A,
): A {
  const h = layerNorm(ops, a, w.ln2, T, D, eps); // [T,D]
  const prev = rk.tokenShift(h, ffn_x, T, D); // [T,D]
  const xk = rk.timeMaa(h, prev, w.x_k, T, D); // [T,D]
  const k = ops.linear(xk, w.key, T, D, F); // [T,F]
  rk.activate(k, T * F, "relu2");
  const out = ops.linear(k, w.value, T, F, D); // [T,D]
  ops.addInPlace(out, a, T * D); // X' = A + FFN
  return out;
}
