// The WKV recurrence of RWKV-7 ("Goose"), a generalized delta rule. H heads, each with a
// state s [N, N] (row i = value channel, column j = key channel). Per token and head, with
// ŝ = s before the update:
//   sa[i]   = −Σ_j ŝ[i, j] · κ̂[j]
//   s[i, j] ← ŝ[i, j] · w[j] + sa[i] · κ̂[j] · a[j] + v[i] · k[j]
//   y[i]    = Σ_j s[i, j] · r[j]
// with w the decay in (0, 1), κ̂ (kk) the unit-norm removal key and a the in-context
// learning rate. r, w, k, v, kk, a and y are [T, H · N]; the state is [H, N, N], read and
// left holding the state after token T−1.
// Oracle: wkv7 in kernels/cpu/rwkv_wkv7.ts. Dispatcher: wkv7 in kernels/gpu/rwkv_wkv.ts.
//
// One workgroup per head, looping over the T tokens. Thread i owns row i of the head's state
// (N values in a private array, hence N ≤ MAX_N). Per token, thread j loads the head's w[j],
// k[j], κ̂[j], a[j] and r[j] into workgroup memory, all threads wait at a barrier, thread i
// updates its row and forms y[i], and a second barrier keeps the next token's loads from
// overwriting values still being read. Threads i ≥ N (WG is rounded up) only meet the
// barriers. All f32: the state and the sums over j (the oracle keeps them in float64).

override WG: u32 = 64; // threads per head, ≥ N
const MAX_N: u32 = 128u; // largest head size (RWKV-7 models use 64)

struct Shape {
  T: u32,
  H: u32,
  N: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> r: array<f32>; // [T, H · N] receptance
@group(0) @binding(2) var<storage, read> w: array<f32>; // [T, H · N] decay in (0, 1)
@group(0) @binding(3) var<storage, read> k: array<f32>; // [T, H · N] keys
@group(0) @binding(4) var<storage, read> v: array<f32>; // [T, H · N] values
@group(0) @binding(5) var<storage, read> kk: array<f32>; // [T, H · N] κ̂, unit norm per head
@group(0) @binding(6) var<storage, read> a: array<f32>; // [T, H · N] in-context learning rate
@group(0) @binding(7) var<storage, read_write> state: array<f32>; // [H, N, N]
@group(0) @binding(8) var<storage, read_write> y: array<f32>; // [T, H · N]

var<workgroup> wkka: array<vec4<f32>, WG>; // [N] (w[j], k[j], κ̂[j], a[j]) of this head, this token
var<workgroup> rj: array<f32, WG>; // [N] r[j] of this head, this token

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) i: u32) {
  let N = shape.N;
  let C = shape.H * N;
  let hc = wid.x * N; // first channel of head h = wid.x
  let own = i < N; // thread i owns row i (value channel i)
  let row = (hc + i) * N; // s[h, i, :]

  var s: array<f32, MAX_N>; // s[i, j] for j < N
  if (own) {
    for (var j = 0u; j < N; j++) {
      s[j] = state[row + j];
    }
  }

  for (var t = 0u; t < shape.T; t++) {
    let o = t * C + hc; // this head's channels of token t
    if (own) {
      // thread i loads key channel i
      wkka[i] = vec4<f32>(w[o + i], k[o + i], kk[o + i], a[o + i]);
      rj[i] = r[o + i];
    }
    workgroupBarrier();
    if (own) {
      var sa = 0.0;
      for (var j = 0u; j < N; j++) {
        sa -= s[j] * wkka[j].z;
      }
      let vi = v[o + i];
      var yi = 0.0;
      for (var j = 0u; j < N; j++) {
        let p = wkka[j]; // (w[j], k[j], κ̂[j], a[j])
        s[j] = s[j] * p.x + sa * p.z * p.w + vi * p.y;
        yi += s[j] * rj[j];
      }
      y[o + i] = yi;
    }
    workgroupBarrier();
  }

  if (own) {
    for (var j = 0u; j < N; j++) {
      state[row + j] = s[j];
    }
  }
}
