// LayerNorm of each row, as torch.nn.LayerNorm (biased variance, eps inside the root):
// out[t, i] = (x[t, i] - mean) / sqrt(var + eps) · weight[i] + bias[i].
// x and out are [T, D], weight and bias are [D].
// Oracle: kernels/cpu/layernorm.ts. Dispatcher: kernels/gpu/layernorm.ts.
//
// One workgroup per row, two passes as the oracle: the mean first, then the mean of the
// squared deviations, each a strided per-thread sum added pairwise in workgroup memory
// (WG must be a power of two). Sums are f32 (the oracle sums in float64).

override WG: u32 = 256; // threads per row, a power of two

struct Shape {
  T: u32,
  D: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<f32>; // [T, D]
@group(0) @binding(2) var<storage, read> weight: array<f32>; // [D]
@group(0) @binding(3) var<storage, read> bias: array<f32>; // [D]
@group(0) @binding(4) var<storage, read_write> out: array<f32>; // [T, D]

var<workgroup> partial: array<f32, WG>;

// Sum of `v` over the workgroup's threads; every thread gets the total.
fn workgroup_sum(v: f32, lid: u32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier(); // everyone has read the total before partial is written again
  return total;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let D = shape.D;
  let row = wid.x * D;

  var s = 0.0;
  for (var i = lid; i < D; i += WG) {
    s += x[row + i];
  }
  let mean = workgroup_sum(s, lid) / f32(D);

  var ss = 0.0;
  for (var i = lid; i < D; i += WG) {
    let d = x[row + i] - mean;
    ss += d * d;
  }
  let inv = 1.0 / sqrt(workgroup_sum(ss, lid) / f32(D) + shape.eps);

  for (var i = lid; i < D; i += WG) {
    out[row + i] = (x[row + i] - mean) * inv * weight[i] + bias[i];
  }
}
