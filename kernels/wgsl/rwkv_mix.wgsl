// RWKV's token mixes of the current token h and the previous one prev (kernels/wgsl/rwkv_shift.wgsl):
//   kind 0, v4/v5 time_mix:      out[t, c] = h[t, c]·mu[c] + prev[t, c]·(1 − mu[c])
//   kind 1, v6 time_maa, v7 x_*: out[t, c] = h[t, c] + (prev[t, c] − h[t, c])·(mu[c] + extra[t, c])
// h, prev, extra and out are [T, C]; mu [C] (the oracle's mix or maa) is broadcast over the
// rows. extra (kind 1 only) is optional: has_extra = 0 binds a placeholder and adds nothing.
// Oracle: timeMix, timeMaa in kernels/cpu/rwkv_token_shift.ts. Dispatcher: timeMix, timeMaa in
// kernels/gpu/rwkv_ops.ts.
//
// One thread per element. f32 arithmetic where the oracle rounds a float64 expression once: a
// few f32 roundings of values of the size of h and prev.

override WG: u32 = 256;

struct Shape {
  n: u32, // T·C
  C: u32,
  kind: u32, // 0: time_mix, 1: time_maa
  has_extra: u32, // kind 1: 1 when extra is bound
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> h: array<f32>; // [T, C] current token
@group(0) @binding(2) var<storage, read> prev: array<f32>; // [T, C] previous token
@group(0) @binding(3) var<storage, read> mu: array<f32>; // [C] time_mix_* / time_maa_* / x_*
@group(0) @binding(4) var<storage, read> extra: array<f32>; // [T, C] when has_extra, else a placeholder
@group(0) @binding(5) var<storage, read_write> out: array<f32>; // [T, C]

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  // Workgroups form a 2-D grid when there are more than 65535 of them.
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= shape.n) {
    return;
  }
  let m0 = mu[i % shape.C];
  if (shape.kind == 0u) {
    out[i] = h[i] * m0 + prev[i] * (1.0 - m0);
  } else {
    var m = m0;
    if (shape.has_extra == 1u) {
      m += extra[i];
    }
    out[i] = h[i] + (prev[i] - h[i]) * m;
  }
}
