// Rotary position embedding in place, rotate_half layout (the pair is (x[i], x[i + Hd/2])):
// for token t, head h and i < Hd/2, with (c, s) = cos_sin[t, i],
//   x[i]        ← x[i] · c - x[i + Hd/2] · s
//   x[i + Hd/2] ← x[i + Hd/2] · c + x[i] · s
// x is [T, H · Hd]; cos_sin is [T, Hd/2, 2]: scale · cos a and scale · sin a of the angle
// a = (pos0 + t) · inv_freq[i], formed in float64 on the host as the oracle forms them
// (kernels/gpu/rope.ts, ropeTable), then rounded to f32.
// Oracle: kernels/cpu/rope.ts. Dispatcher: kernels/gpu/rope.ts.
//
// Why a table and not WGSL's sin and cos: WGSL promises them to 2^-11 absolute only, and
// implementations use that room. Chromium's SwiftShader is 1.9e-4 off (docs/browser.md), which
// moved one logit of a 12-layer model by 6e-4; llvmpipe's are within 2 ULP. With the table the
// only error left is three f32 roundings per output, the same on every device.

override WG: u32 = 256;

struct Shape {
  T: u32,
  H: u32,
  Hd: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read_write> x: array<f32>; // [T, H · Hd], rotated in place
@group(0) @binding(2) var<storage, read> cos_sin: array<f32>; // [T, Hd/2, 2]

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  // Workgroups form a 2-D grid when there are more than 65535 of them.
  let g = (wid.y * nwg.x + wid.x) * WG + lid;
  let half = shape.Hd / 2u;
  if (g >= shape.T * shape.H * half) {
    return;
  }
  let i = g % half;
  let h = (g / half) % shape.H;
  let t = g / (half * shape.H);

  let c = cos_sin[2u * (t * half + i)];
  let s = cos_sin[2u * (t * half + i) + 1u];

  let j = (t * shape.H + h) * shape.Hd + i;
  let x1 = x[j];
  let x2 = x[j + half];
  x[j] = x1 * c - x2 * s;
  x[j + half] = x2 * c + x1 * s;
}
