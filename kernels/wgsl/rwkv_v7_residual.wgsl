// RWKV-7's value residual, in place: v[i] ← v[i] + (vFirst[i] − v[i])·gate[i], i < n, pulling
// this block's values toward those of the first block (v_first). v, vFirst and gate are [n].
// Oracle: valueResidual7 in kernels/cpu/rwkv_v7.ts. Dispatcher: valueResidual7 in kernels/gpu/rwkv_ops.ts.
//
// One thread per element; three f32 roundings where the oracle rounds its float64 result once.

override WG: u32 = 256;

struct Shape {
  n: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read_write> v: array<f32>; // [n] values of this block, updated
@group(0) @binding(2) var<storage, read> vFirst: array<f32>; // [n] v_first
@group(0) @binding(3) var<storage, read> gate: array<f32>; // [n] σ(v0 + xv·v1·v2)

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
  v[i] = v[i] + (vFirst[i] - v[i]) * gate[i];
}
