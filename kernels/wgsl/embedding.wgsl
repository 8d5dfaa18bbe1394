// Token embedding lookup: out[t, d] = table[ids[t], d]. table is [V, D], ids [T], out [T, D].
// The caller checks every id is in [0, V).
// Oracle: kernels/cpu/embedding.ts (embeddingGather). Dispatcher: kernels/gpu/embedding.ts.

override WG: u32 = 256;

struct Shape {
  T: u32,
  D: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> table: array<f32>; // [V, D]
@group(0) @binding(2) var<storage, read> ids: array<u32>; // [T]
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // [T, D]

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  // Workgroups form a 2-D grid when there are more than 65535 of them.
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= shape.T * shape.D) {
    return;
  }
  let t = i / shape.D;
  let d = i % shape.D;
  out[i] = table[ids[t] * shape.D + d];
}
