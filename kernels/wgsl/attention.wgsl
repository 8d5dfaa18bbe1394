// Causal attention with grouped-query heads and an online softmax (no Tq × Tk matrix):
//   out[i, h] = Σ_j softmax_j(q[i, h] · k[j, g] / √Hd + slope_h · (j - p)) · v[j, g]
// over the keys j visible from the query's position p = Tk - Tq + i (j ≤ p, and
// p - j < window when a window is given), where query head h reads kv head
// g = h / (H / Hkv). q and out are [Tq, H · Hd], k and v are [Tk, Hkv · Hd] (keys of
// positions 0..Tk-1, the last Tq of them belonging to the queries: a KV cache).
// Oracle: kernels/cpu/attention.ts (attentionNaive). Dispatcher: kernels/gpu/attention.ts.
//
// One thread per (query row, head); a workgroup holds WG consecutive rows of one head, so
// its threads read the same key and value rows at about the same time (served once by the
// cache). Each thread streams over its visible keys once, keeping the running max m, the
// running sum l = Σ exp(s_j - m) and the running weighted sum of values acc; when a score
// raises the max, l and acc are rescaled by exp(m_old - m_new) (Milakov & Gimelshein, 2018).
// All f32 (the oracle keeps l and acc in float64).
//
// No workgroup memory on purpose: WGSL zero-fills it per workgroup, and llvmpipe (the
// software adapter CI runs on) compiles a key/value tile of a few thousand floats for minutes.

override WG: u32 = 64; // query rows per workgroup
const MAX_HD: u32 = 128u; // largest head dim (Llama 2/3, Mistral, Qwen2 and Baichuan use ≤ 128)

struct Shape {
  Tq: u32,
  Tk: u32,
  H: u32,
  Hkv: u32,
  Hd: u32,
  window: u32, // 0: no sliding window
  has_alibi: u32, // 1: slopes holds [H] ALiBi slopes; 0: slopes is a placeholder
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> q: array<f32>; // [Tq, H · Hd]
@group(0) @binding(2) var<storage, read> k: array<f32>; // [Tk, Hkv · Hd]
@group(0) @binding(3) var<storage, read> v: array<f32>; // [Tk, Hkv · Hd]
@group(0) @binding(4) var<storage, read> slopes: array<f32>; // [H], or a placeholder
@group(0) @binding(5) var<storage, read_write> out: array<f32>; // [Tq, H · Hd]

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = wid.x * WG + lid; // query row
  let h = wid.y; // query head
  if (i >= shape.Tq) {
    return;
  }
  let Hd = shape.Hd;
  let g = h / (shape.H / shape.Hkv); // kv head
  let p = shape.Tk - shape.Tq + i; // position of this query
  var first = 0u; // first visible key
  if (shape.window > 0u && p + 1u > shape.window) {
    first = p + 1u - shape.window;
  }
  let scale = 1.0 / sqrt(f32(Hd));
  var slope = 0.0;
  if (shape.has_alibi == 1u) {
    slope = slopes[h];
  }

  let qo = (i * shape.H + h) * Hd; // this row's query and output
  var qv: array<f32, MAX_HD>;
  for (var d = 0u; d < Hd; d++) {
    qv[d] = q[qo + d];
  }
  var acc: array<f32, MAX_HD>; // running Σ exp(s_j - m) · v[j] (function variables start at 0)
  var m = -3.0e38; // running max (a finite stand-in for -∞: exp(m - s) underflows to 0)
  var l = 0.0; // running Σ exp(s_j - m)

  for (var j = first; j <= p; j++) {
    let ko = (j * shape.Hkv + g) * Hd; // key and value row j of kv head g
    var dot = 0.0;
    for (var d = 0u; d < Hd; d++) {
      dot += qv[d] * k[ko + d];
    }
    let s = dot * scale + slope * f32(i32(j) - i32(p));
    if (s > m) {
      // new max: rescale what we have; this key gets weight exp(0) = 1
      let r = exp(m - s);
      l = l * r + 1.0;
      for (var d = 0u; d < Hd; d++) {
        acc[d] = acc[d] * r + v[ko + d];
      }
      m = s;
    } else {
      let e = exp(s - m);
      l += e;
      for (var d = 0u; d < Hd; d++) {
        acc[d] += e * v[ko + d];
      }
    }
  }

  for (var d = 0u; d < Hd; d++) {
    out[qo + d] = acc[d] / l;
  }
}
