// Llama's gated MLP activation: out[i] = silu(gate[i]) · up[i], silu(x) = x / (1 + exp(-x)).
// gate, up and out are [n].
// Oracle: kernels/cpu/activations.ts (swiglu). Dispatcher: kernels/gpu/swiglu.ts.

override WG: u32 = 256;

struct Shape {
  n: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> gate: array<f32>; // [n]
@group(0) @binding(2) var<storage, read> up: array<f32>; // [n]
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // [n]

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
  let g = gate[i];
  out[i] = g / (1.0 + exp(-g)) * up[i]; // exp(-g) = inf for g < -88: silu → -0, as the oracle
}
