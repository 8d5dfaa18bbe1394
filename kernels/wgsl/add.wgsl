// Residual connection in place: x[i] += y[i], i < n (X ← X + branch(X)).
// Oracle: kernels/cpu/residual.ts (addInPlace). Dispatcher: kernels/gpu/add.ts.

override WG: u32 = 256;

struct Shape {
  n: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read_write> x: array<f32>; // [n] residual stream, updated
@group(0) @binding(2) var<storage, read> y: array<f32>; // [n] branch output

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
  x[i] += y[i];
}
