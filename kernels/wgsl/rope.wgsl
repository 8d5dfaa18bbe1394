// Rotary position embedding in place, rotate_half layout (the pair is (x[i], x[i + Hd/2])):
// for token t at position pos = pos0 + t, head h and i < Hd/2, with a = pos · inv_freq[i],
//   x[i]        ← x[i] · c - x[i + Hd/2] · s
//   x[i + Hd/2] ← x[i + Hd/2] · c + x[i] · s
// with c = scale · cos a, s = scale · sin a (scale: YaRN / LongRoPE attention factor, else 1).
// x is [T, H · Hd], inv_freq is [Hd/2].
// Oracle: kernels/cpu/rope.ts. Dispatcher: kernels/gpu/rope.ts.
//
// One thread per rotated pair. Precision: the oracle forms the angle, its cosine and sine in
// float64; here the angle is f32(pos) · inv_freq[i] in f32 (inv_freq rounded to f32 on
// upload), so at position p the angle is off by up to about p · 1.2e-7 radians (2.4e-4 at
// p = 2048: two f32 roundings of 2^-24 each). The angle is then brought into [-π, π] (Cody–Waite, 2π split in two parts),
// the range where WGSL promises sin and cos to 2^-11 absolute (real devices do far better).

override WG: u32 = 256;

const INV_TWO_PI: f32 = 0.15915494309189535;
const TWO_PI_HI: f32 = 6.28125; // 2π rounded to 8 bits: k · TWO_PI_HI is exact for k < 2^16
const TWO_PI_LO: f32 = 0.0019353071795864769; // 2π - TWO_PI_HI

struct Shape {
  T: u32,
  H: u32,
  Hd: u32,
  pos0: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read_write> x: array<f32>; // [T, H · Hd], rotated in place
@group(0) @binding(2) var<storage, read> inv_freq: array<f32>; // [Hd/2]

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

  let angle = f32(shape.pos0 + t) * inv_freq[i];
  let turns = round(angle * INV_TWO_PI);
  let a = (angle - turns * TWO_PI_HI) - turns * TWO_PI_LO;
  let c = shape.scale * cos(a);
  let s = shape.scale * sin(a);

  let j = (t * shape.H + h) * shape.Hd + i;
  let x1 = x[j];
  let x2 = x[j + half];
  x[j] = x1 * c - x2 * s;
  x[j + half] = x2 * c + x1 * s;
}
