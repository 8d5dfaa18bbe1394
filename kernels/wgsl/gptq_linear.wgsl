// GPTQ linear layer, dequantized inside the matmul: out[t, n] = sum_k x[t, k] · W[n, k] (+ bias[n]),
// W[n, k] = scales[g, n] · (q[k, n] − z[g, n]), g = g_idx[k]. Codes q are packed along k in qweight
// [ceil(K·bits/32), N], zero points along n in qzeros [G, zWords] (stored minus zeroOffset), each
// as one little-endian bit stream cut into 32-bit words (a 3-bit code may straddle two words).
// One invocation per output element; f32 sums in k order.
// Oracle: kernels/cpu/gptq.ts (gptqLinear). Dispatcher: kernels/gpu/gptq_linear.ts.

override WG: u32 = 64;

struct Shape {
  T: u32,
  K: u32,
  N: u32,
  bits: u32,
  zWords: u32,
  zeroOffset: u32,
  hasBias: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<f32>; // [T, K]
@group(0) @binding(2) var<storage, read> qweight: array<u32>; // [ceil(K·bits/32), N]
@group(0) @binding(3) var<storage, read> qzeros: array<u32>; // [G, zWords]
@group(0) @binding(4) var<storage, read> scales: array<f32>; // [G, N]
@group(0) @binding(5) var<storage, read> g_idx: array<u32>; // [K]
@group(0) @binding(6) var<storage, read> bias: array<f32>; // [N] (a placeholder when hasBias = 0)
@group(0) @binding(7) var<storage, read_write> out: array<f32>; // [T, N]

// Code k of column n of qweight: bits k·bits .. k·bits+bits−1 of that column's stream.
fn weightCode(k: u32, n: u32) -> u32 {
  let bit = k * shape.bits;
  let w = bit >> 5u;
  let shift = bit & 31u;
  var v = qweight[w * shape.N + n] >> shift;
  if (shift + shape.bits > 32u) {
    v = v | (qweight[(w + 1u) * shape.N + n] << (32u - shift));
  }
  return v & ((1u << shape.bits) - 1u);
}

// Zero point of output n in group g, as stored (before zeroOffset is added).
fn zeroCode(g: u32, n: u32) -> u32 {
  let bit = n * shape.bits;
  let w = bit >> 5u;
  let shift = bit & 31u;
  var v = qzeros[g * shape.zWords + w] >> shift;
  if (shift + shape.bits > 32u) {
    v = v | (qzeros[g * shape.zWords + w + 1u] << (32u - shift));
  }
  return v & ((1u << shape.bits) - 1u);
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  // Workgroups form a 2-D grid when there are more than 65535 of them.
  let i = (wid.y * nwg.x + wid.x) * WG + lid;
  if (i >= shape.T * shape.N) {
    return;
  }
  let t = i / shape.N;
  let n = i % shape.N;
  var sum = 0.0;
  for (var k = 0u; k < shape.K; k++) {
    let g = g_idx[k];
    let z = f32(zeroCode(g, n) + shape.zeroOffset);
    sum += x[t * shape.K + k] * (scales[g * shape.N + n] * (f32(weightCode(k, n)) - z));
  }
  if (shape.hasBias != 0u) {
    sum += bias[n];
  }
  out[i] = sum;
}
