// RWKV-7's keys, per token t and head h over the S channels c = h·S + j of the head:
//   p[j] = k[t, c]·k_k[c]
//   kk[t, c] = p[j] / max(sqrt(Σ_j p[j]²), 1e-12)          removal key κ̂ (F.normalize)
//   k[t, c] ← k[t, c]·(1 + (a[t, c] − 1)·k_a[c])           the key itself, in place
// k, a and kk are [T, H·S]; k_k and k_a [H·S].
// Oracle: keys7 in kernels/cpu/rwkv_v7.ts. Dispatcher: keys7 in kernels/gpu/rwkv_ops.ts.
//
// One workgroup per (token, head) row; rows are laid out in a 2-D grid when there are more than
// 65535. Each of the WG threads sums the squares of a strided share of the row, the partial sums
// are added pairwise in workgroup memory (WG a power of two), then each thread writes kk and k
// for the same channels it read: no thread reads a k another one rewrites. The sum of squares is
// f32 (the oracle's is float64); products below about 1e-19 square to f32 denormals or 0, where
// the oracle still normalises (no trained model has such keys).

override WG: u32 = 64; // threads per row, a power of two (head sizes are 64 in RWKV 7)

struct Shape {
  rows: u32, // T·H
  S: u32,
  H: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read_write> k: array<f32>; // [T, H·S] key(xk), updated
@group(0) @binding(2) var<storage, read> a: array<f32>; // [T, H·S] learning rate
@group(0) @binding(3) var<storage, read> k_k: array<f32>; // [H·S] att.k_k
@group(0) @binding(4) var<storage, read> k_a: array<f32>; // [H·S] att.k_a
@group(0) @binding(5) var<storage, read_write> kk: array<f32>; // [T, H·S] κ̂

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
  return partial[0];
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.y * nwg.x + wid.x; // t·H + h
  if (row >= shape.rows) {
    return; // the whole workgroup: a uniform branch
  }
  let S = shape.S;
  let o = row * S; // k[t, h·S]
  let c0 = (row % shape.H) * S; // k_k[h·S]

  var ss = 0.0;
  for (var j = lid; j < S; j += WG) {
    let p = k[o + j] * k_k[c0 + j];
    ss += p * p;
  }
  let inv = 1.0 / max(sqrt(workgroup_sum(lid, ss)), 1e-12);

  for (var j = lid; j < S; j += WG) {
    let kj = k[o + j];
    kk[o + j] = kj * k_k[c0 + j] * inv;
    k[o + j] = kj * (1.0 + (a[o + j] - 1.0) * k_a[c0 + j]);
  }
}
