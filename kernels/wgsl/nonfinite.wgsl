// Whether x[0..n) holds NaN or ±Inf: out[0] = 1 if any does, else 0 (the dispatcher clears out
// first). A forward pass reads this one number back instead of the hidden state X_L.
// Oracle: anyNonFinite in kernels/cpu/nonfinite.ts. Dispatcher: kernels/gpu/nonfinite.ts.
//
// One thread per element. The test is on the bits (exponent field all ones), not `x != x`,
// which a compiler assuming finite math may fold to false. Every thread that finds one writes
// the same value 1.0 to out[0]; no other value is ever written, so the race is harmless.

override WG: u32 = 256;

struct Shape {
  n: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<f32>; // [n]
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // [1] 0 (cleared) or 1

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
  if ((bitcast<u32>(x[i]) & 0x7f800000u) == 0x7f800000u) {
    out[0] = 1.0;
  }
}
