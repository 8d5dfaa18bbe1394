// RWKV-7's bonus for the current token, added to the WKV output after the group norm, per token
// t and head h over the S channels c = h·S + j of the head:
//   y[t, c] += (Σ_j r[t, c]·k[t, c]·r_k[c]) · v[t, c]
// y, r, k and v are [T, H·S]; r_k [H·S] (att.r_k, [H, S] in the checkpoint).
// Oracle: bonus7 in kernels/cpu/rwkv_v7.ts. Dispatcher: bonus7 in kernels/gpu/rwkv_ops.ts.
//
// One workgroup per (token, head) row; rows are laid out in a 2-D grid when there are more than
// 65535. Each of the WG threads sums a strided share of the products, the partial sums are added
// pairwise in workgroup memory (WG a power of two). The dot product is f32 (the oracle's is
// float64).

override WG: u32 = 64; // threads per row, a power of two (head sizes are 64 in RWKV 7)

struct Shape {
  rows: u32, // T·H
  S: u32,
  H: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read_write> y: array<f32>; // [T, H·S] updated
@group(0) @binding(2) var<storage, read> r: array<f32>; // [T, H·S] receptance
@group(0) @binding(3) var<storage, read> k: array<f32>; // [T, H·S] key (after keys7)
@group(0) @binding(4) var<storage, read> v: array<f32>; // [T, H·S] value (after the value residual)
@group(0) @binding(5) var<storage, read> r_k: array<f32>; // [H·S] att.r_k

var<workgroup> partial: array<f32, WG>;

// The sum of value over the workgroup's threads (called by all of them, in uniform control flow).
fn workgroup_sum(lid: u32, value: f32) -> f32 {
  partial[lid] = value;
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
  let o = row * S; // y[t, h·S]
  let c0 = (row % shape.H) * S; // r_k[h·S]

  var s = 0.0;
  for (var j = lid; j < S; j += WG) {
    s += r[o + j] * k[o + j] * r_k[c0 + j];
  }
  let dot = workgroup_sum(lid, s);

  for (var j = lid; j < S; j += WG) {
    y[o + j] += dot * v[o + j];
  }
}
