// GroupNorm over the heads of each token (RWKV 5, 6, 7 `att.ln_x`), and LayerNorm as its G = 1
// case (each token one group of D channels): for token t and group g,
// over the S channels c = g·S + j of the group,
//   mean = Σ_j x[t, c] / S,  var = Σ_j (x[t, c] − mean)² / S  (biased, two passes)
//   out[t, c] = (x[t, c] − mean) / sqrt(var + eps) · weight[c] + bias[c]
// x and out are [T, G·S]; weight and bias [G·S].
// Oracles: groupNorm in kernels/cpu/rwkv_group_norm.ts, layernorm in kernels/cpu/layernorm.ts.
// Dispatchers: groupNorm in kernels/gpu/rwkv_ops.ts, layernorm in kernels/gpu/layernorm.ts.
//
// One workgroup per (token, group) row of S values; rows are laid out in a 2-D grid when there
// are more than 65535. Each of the WG threads sums a strided share of the row, then the partial
// sums are added pairwise in workgroup memory (WG must be a power of two). Sums are f32 (the
// oracle's are float64).
//
// Precision: the f32 mean m0 is off by its rounding, about ulp(|x|). When a group's values sit
// far from zero compared with their spread (3 ± 0.003, say), x − m0 carries that error, and
// normalising by a variance near eps magnifies it up to 1/sqrt(eps) times (316 at eps 1e-5).
// So the second pass is the corrected two-pass algorithm (Chan, Golub & LeVeque 1983): with
// d = x − m0, the mean of d is the error δ of m0, and
//   mean = m0 + δ,  var = Σ d² / S − δ²,  x − mean = d − δ
// whose errors are relative to the deviations, not to x. On llvmpipe, rows of 100 ± 0.03 at
// eps 1e-5 came within 7e-7 of the oracle this way, 2.4e-3 with the plain two passes.

override WG: u32 = 64; // threads per row, a power of two (64 for RWKV heads, 256 for LayerNorm rows)

struct Shape {
  rows: u32, // T·G
  S: u32,
  G: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<f32>; // [T, G·S]
@group(0) @binding(2) var<storage, read> weight: array<f32>; // [G·S] ln_x.weight
@group(0) @binding(3) var<storage, read> bias: array<f32>; // [G·S] ln_x.bias
@group(0) @binding(4) var<storage, read_write> out: array<f32>; // [T, G·S]

var<workgroup> partial: array<f32, WG>;

// The sum of v over the workgroup's threads (called by all of them, in uniform control flow).
fn workgroup_sum(lid: u32, v: f32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier(); // everyone has read the total before partial is reused
  return total;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.y * nwg.x + wid.x; // t·G + g
  if (row >= shape.rows) {
    return; // the whole workgroup: a uniform branch
  }
  let S = shape.S;
  let o = row * S; // x[t, g·S]
  let c0 = (row % shape.G) * S; // weight[g·S]

  var s = 0.0;
  for (var j = lid; j < S; j += WG) {
    s += x[o + j];
  }
  let m0 = workgroup_sum(lid, s) / f32(S);

  var sd = 0.0;
  var sdd = 0.0;
  for (var j = lid; j < S; j += WG) {
    let d = x[o + j] - m0;
    sd += d;
    sdd += d * d;
  }
  let delta = workgroup_sum(lid, sd) / f32(S); // mean = m0 + delta
  let variance = max(workgroup_sum(lid, sdd) / f32(S) - delta * delta, 0.0);
  let inv = 1.0 / sqrt(variance + shape.eps);

  for (var j = lid; j < S; j += WG) {
    out[o + j] = ((x[o + j] - m0) - delta) * inv * weight[c0 + j] + bias[c0 + j];
  }
}
