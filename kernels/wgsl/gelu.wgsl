// GELU: out[i] = x · Φ(x) = 0.5 · x · (1 + erf(x / √2)) (exact, torch's default), or with
// approximate = 1 the tanh form 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).
// x and out are [n].
// Oracle: kernels/cpu/activations.ts (gelu, geluTanh). Dispatcher: kernels/gpu/gelu.ts.
//
// WGSL has no erf: erf_f32 below is Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7,
// about one f32 rounding of values near 1), so out is within 1e-7 · |x| of the exact GELU.

override WG: u32 = 256;

struct Shape {
  n: u32,
  approximate: u32, // 0: erf form; 1: tanh form
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<f32>; // [n]
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // [n]

// erf(z) = 1 - (a1·t + a2·t² + a3·t³ + a4·t⁴ + a5·t⁵) · exp(-z²), t = 1 / (1 + p·z), z ≥ 0.
fn erf_f32(z: f32) -> f32 {
  let a = abs(z);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - poly * exp(-a * a);
  return select(r, -r, z < 0.0);
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
  let v = x[i];
  if (shape.approximate == 1u) {
    // tanh of a clamped argument: tanh(±10) is ±1 in f32, and large inputs cannot overflow
    let u = clamp(0.7978845608028654 * (v + 0.044715 * v * v * v), -10.0, 10.0);
    out[i] = 0.5 * v * (1.0 + tanh(u));
  } else {
    out[i] = 0.5 * v * (1.0 + erf_f32(v * 0.7071067811865476));
  }
}
