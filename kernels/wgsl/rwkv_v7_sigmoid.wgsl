// RWKV-7's sigmoids of a bias plus a LoRA output, in place on x [T, C] with bias [C]:
//   decay 0: x[t, c] ← σ(bias[c] + x[t, c])                       learning rate a (a0), value gate (v0)
//   decay 1: x[t, c] ← exp(−e^{−1/2}·σ(bias[c] + x[t, c]))        decay w (w0), in (e^{−0.607}, 1)
// Oracle: sigmoidOfSum, decay7 in kernels/cpu/rwkv_v7.ts. Dispatcher: sigmoidOfSumInPlace,
// decay7InPlace in kernels/gpu/rwkv_ops.ts.
//
// One thread per element. σ takes exp only of −|z| ≤ 0 (no overflow for any z, see
// rwkv_pointwise.wgsl), and the decay's exponent lies in (−0.607, 0): f32 exp, a few roundings.

override WG: u32 = 256;

const EXP_MINUS_HALF: f32 = 0.6065306597126334; // e^{−1/2}; ChatRWKV writes 0.606531

struct Shape {
  n: u32, // T·C
  C: u32,
  decay: u32, // 0: σ(bias + x), 1: exp(−e^{−1/2}·σ(bias + x))
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read_write> x: array<f32>; // [T, C] LoRA output, updated
@group(0) @binding(2) var<storage, read> bias: array<f32>; // [C] a0, v0 or w0

// σ(z) = 1 / (1 + e^{−z}) for z ≥ 0, e^{z} / (1 + e^{z}) for z < 0: exp(−|z|) ∈ (0, 1].
fn sigmoid(z: f32) -> f32 {
  let e = exp(-abs(z));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), z >= 0.0);
}

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
  let s = sigmoid(bias[i % shape.C] + x[i]);
  x[i] = select(s, exp(-EXP_MINUS_HALF * s), shape.decay == 1u);
}
