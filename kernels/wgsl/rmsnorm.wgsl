// RMSNorm of each row: out[t, i] = x[t, i] / sqrt(mean_i(x[t, i]²) + eps) · weight[i].
// x and out are [T, D], weight is [D].
// Oracle: kernels/cpu/rmsnorm.ts. Dispatcher: kernels/gpu/rmsnorm.ts.
//
// One workgroup per row. Each of the WG threads sums the squares of a strided share of the
// row, then the partial sums are added pairwise in workgroup memory (WG must be a power of
// two). The sum is f32 (the oracle sums in float64).

override WG: u32 = 256; // threads per row, a power of two

struct Shape {
  T: u32,
  D: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<f32>; // [T, D]
@group(0) @binding(2) var<storage, read> weight: array<f32>; // [D]
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // [T, D]

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let D = shape.D;
  let row = wid.x * D;

  var ss = 0.0;
  for (var i = lid; i < D; i += WG) {
    let v = x[row + i];
    ss += v * v;
  }
  partial[lid] = ss;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }

  let inv = 1.0 / sqrt(partial[0] / f32(D) + shape.eps);
  for (var i = lid; i < D; i += WG) {
    out[row + i] = x[row + i] * inv * weight[i];
  }
}
