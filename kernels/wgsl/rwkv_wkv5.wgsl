// The WKV recurrence of RWKV-5 ("Eagle", constant decay) and RWKV-6 ("Finch", per-token
// decay). H heads, each with a state s [S, S] (row i = key channel, column j = value
// channel). Per token t and head:
//   y_t[j] = Σ_i r_t[i] · (u[i] · k_t[i] · v_t[j] + s[i, j])    (read, with the bonus u for the current token)
//   s[i, j] ← w_t[i] · s[i, j] + k_t[i] · v_t[j]                (decay per key channel, then add k_t v_tᵀ)
// with w_t[i] = exp(−exp(time_decay[i] + dw_t[i])) in v6 (has_dw = 1) and
// w[i] = exp(−exp(time_decay[i])) in v5 (has_dw = 0, dw a placeholder).
// r, k, v, dw and y are [T, H · S]; time_decay and u are [H · S]; the state is [H, S, S],
// read and left holding the state after token T−1.
// Oracle: wkv5 and wkv6 in kernels/cpu/rwkv_wkv5.ts. Dispatcher: wkv5 in kernels/gpu/rwkv_wkv.ts.
//
// One workgroup per head, looping over the T tokens. Thread j owns column j of the head's
// state (S values in a private array, hence S ≤ MAX_S). Per token, thread i loads the
// head's r[i], k[i], u[i], w[i] into workgroup memory, all threads wait at a barrier, thread
// j forms y[j] and updates its column, and a second barrier keeps the next token's loads
// from overwriting values still being read. Threads j ≥ S (WG is rounded up) only meet the
// barriers. All f32: the state, the sums over i and the decay (the oracle forms w and keeps
// the state and the sums in float64).

override WG: u32 = 64; // threads per head, ≥ S
const MAX_S: u32 = 128u; // largest head size (RWKV-5/6 models use 64)

struct Shape {
  T: u32,
  H: u32,
  S: u32,
  has_dw: u32, // 1: dw holds [T, H · S] (v6); 0: dw is a placeholder (v5)
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> r: array<f32>; // [T, H · S] receptance
@group(0) @binding(2) var<storage, read> k: array<f32>; // [T, H · S] keys
@group(0) @binding(3) var<storage, read> v: array<f32>; // [T, H · S] values
@group(0) @binding(4) var<storage, read> time_decay: array<f32>; // [H · S] log-log decay
@group(0) @binding(5) var<storage, read> u: array<f32>; // [H · S] bonus
@group(0) @binding(6) var<storage, read_write> state: array<f32>; // [H, S, S]
@group(0) @binding(7) var<storage, read> dw: array<f32>; // [T, H · S], or a placeholder
@group(0) @binding(8) var<storage, read_write> y: array<f32>; // [T, H · S]

var<workgroup> rkuw: array<vec4<f32>, WG>; // [S] (r[i], k[i], u[i], w[i]) of this head, this token

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) j: u32) {
  let S = shape.S;
  let C = shape.H * S;
  let hc = wid.x * S; // first channel of head h = wid.x
  let own = j < S; // thread j owns column j (value channel j)

  var s: array<f32, MAX_S>; // s[i, j] for i < S
  if (own) {
    for (var i = 0u; i < S; i++) {
      s[i] = state[(hc + i) * S + j];
    }
  }

  for (var t = 0u; t < shape.T; t++) {
    let o = t * C + hc; // this head's channels of token t
    if (own) {
      // thread j loads key channel j
      var d = time_decay[hc + j];
      if (shape.has_dw == 1u) {
        d += dw[o + j];
      }
      rkuw[j] = vec4<f32>(r[o + j], k[o + j], u[hc + j], exp(-exp(d)));
    }
    workgroupBarrier();
    if (own) {
      let vj = v[o + j];
      var acc = 0.0;
      for (var i = 0u; i < S; i++) {
        let p = rkuw[i]; // (r[i], k[i], u[i], w[i])
        let kv = p.y * vj;
        acc += p.x * (p.z * kv + s[i]);
        s[i] = p.w * s[i] + kv;
      }
      y[o + j] = acc;
    }
    workgroupBarrier();
  }

  if (own) {
    for (var i = 0u; i < S; i++) {
      state[(hc + i) * S + j] = s[i];
    }
  }
}
