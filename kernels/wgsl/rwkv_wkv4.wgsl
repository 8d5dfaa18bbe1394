// The RWKV-4 WKV recurrence, per channel c: a decaying weighted average of the past values
// with a bonus u for the current token (Peng et al., 2023, Eq. 14-16), run over the state
// (aa, bb, pp) with the max trick so that no exp overflows:
//   y_t  = (e^{pp−q}·aa + e^{u+k_t−q}·v_t) / (e^{pp−q}·bb + e^{u+k_t−q}),  q = max(pp, u + k_t)
//   aa ← e^{pp+w−q'}·aa + e^{k_t−q'}·v_t,  bb ← e^{pp+w−q'}·bb + e^{k_t−q'},  pp ← q' = max(pp + w, k_t)
// with w = −exp(time_decay) and u = time_first. k, v and y are [T, C]; the state is [3 · C]
// = aa | bb | pp, read and left holding the state after token T−1 (pp of the empty state is
// −1e38: e^{pp−q} is then 0).
// Oracle: wkv4 in kernels/cpu/rwkv_wkv4.ts. Dispatcher: wkv4 in kernels/gpu/rwkv_wkv.ts.
//
// One thread per channel, looping over the T tokens (the channels are independent); channel
// c = (wid.y · nwg.x + wid.x) · WG + lid. All f32, w included (the oracle forms w and keeps
// the state in float64).

override WG: u32 = 64; // channels per workgroup

struct Shape {
  T: u32,
  C: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> k: array<f32>; // [T, C]
@group(0) @binding(2) var<storage, read> v: array<f32>; // [T, C]
@group(0) @binding(3) var<storage, read> time_decay: array<f32>; // [C]
@group(0) @binding(4) var<storage, read> time_first: array<f32>; // [C]
@group(0) @binding(5) var<storage, read_write> state: array<f32>; // [3 · C] = aa | bb | pp
@group(0) @binding(6) var<storage, read_write> y: array<f32>; // [T, C]

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let C = shape.C;
  let c = (wid.y * nwg.x + wid.x) * WG + lid;
  if (c >= C) {
    return;
  }
  let w = -exp(time_decay[c]); // log-space decay, < 0
  let u = time_first[c];
  var aa = state[c];
  var bb = state[C + c];
  var pp = state[2u * C + c];

  for (var t = 0u; t < shape.T; t++) {
    let i = t * C + c;
    let kt = k[i];
    let vt = v[i];
    // output: the past (e^pp·aa, e^pp·bb) plus the current token with bonus, e^{u+k}
    var ww = u + kt;
    var q = max(pp, ww);
    var e1 = exp(pp - q);
    var e2 = exp(ww - q);
    y[i] = (e1 * aa + e2 * vt) / (e1 * bb + e2);
    // state: decay the past by e^w, add the current token with weight e^k
    ww = pp + w;
    q = max(ww, kt);
    e1 = exp(ww - q);
    e2 = exp(kt - q);
    aa = e1 * aa + e2 * vt;
    bb = e1 * bb + e2;
    pp = q;
  }

  state[c] = aa;
  state[C + c] = bb;
  state[2u * C + c] = pp;
}
