// RWKV's token shift: each token also sees the previous token's vector.
//   prev[0] = last,  prev[t] = h[t − 1] (t ≥ 1);  then  last ← h[T − 1]
// h and prev are [T, C]; last [C] is the vector before h[0] (the shift state), updated in place.
// Oracle: tokenShift in kernels/cpu/rwkv_token_shift.ts. Dispatcher: tokenShift in kernels/gpu/rwkv_ops.ts.
//
// One thread per element of prev. The thread of element (0, c) is the only one that touches
// last[c]: it reads the old value into prev before writing the new one, so one dispatch is
// race-free. No arithmetic: the result equals the oracle's bit for bit.

override WG: u32 = 256;

struct Shape {
  n: u32, // T·C
  C: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> h: array<f32>; // [T, C]
@group(0) @binding(2) var<storage, read_write> last: array<f32>; // [C] shift state, updated
@group(0) @binding(3) var<storage, read_write> prev: array<f32>; // [T, C]

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
  let C = shape.C;
  if (i < C) {
    prev[i] = last[i]; // the old state first,
    last[i] = h[shape.n - C + i]; // then h[T − 1] becomes the state
  } else {
    prev[i] = h[i - C];
  }
}
