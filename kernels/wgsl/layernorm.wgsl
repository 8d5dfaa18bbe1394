// LayerNorm of each row, as torch.nn.LayerNorm (biased variance, eps inside the root):
// out[t, i] = (x[t, i] - mean) / sqrt(var + eps) · weight[i] + bias[i].
// x and out are [T, D], weight and bias are [D].
// Oracle: kernels/cpu/layernorm.ts. Dispatcher: kernels/gpu/layernorm.ts.
//
// One workgroup per row, two passes as the oracle: the mean first, then the mean of the
// squared deviations, each a strided per-thread sum added pairwise in workgroup memory
// (WG must be a power of two). Sums are f32 (the oracle sums in float64).
//
// Precision: the f32 mean m0 is off by its rounding, about ulp(|x|). In a row whose values sit
// far from zero compared with their spread, x − m0 carries that error, and a variance near eps
// magnifies it up to 1/sqrt(eps) times. The second pass is therefore the corrected two-pass
// algorithm (Chan, Golub & LeVeque 1983), as in rwkv_group_norm.wgsl: with d = x − m0, the mean
// of d is the error δ of m0, and mean = m0 + δ, var = Σ d² / D − δ², x − mean = d − δ.

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
  let m0 = workgroup_sum(s, lid) / f32(D);

  var sd = 0.0;
  var sdd = 0.0;
  for (var i = lid; i < D; i += WG) {
    let d = x[row + i] - m0;
    sd += d;
    sdd += d * d;
  }
  let delta = workgroup_sum(sd, lid) / f32(D); // mean = m0 + delta
  let variance = max(workgroup_sum(sdd, lid) / f32(D) - delta * delta, 0.0);
  let inv = 1.0 / sqrt(variance + shape.eps);

  for (var i = lid; i < D; i += WG) {
    out[row + i] = ((x[row + i] - m0) - delta) * inv * weight[i] + bias[i];
  }
}
