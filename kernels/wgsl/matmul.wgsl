// Linear layer: out[t, n] = Σ_k x[t, k] · w[n, k] + bias[n], i.e. out = x · wᵀ (+ bias).
// x [T, K] and w [N, K] are row-major (w in PyTorch nn.Linear layout), out is [T, N].
// Oracle: kernels/cpu/matmul.ts (matmulNaive). Dispatcher: kernels/gpu/matmul.ts.
//
// Tiling. A workgroup of WG_X × WG_Y threads computes a BM × BN block of out, with
// BM = 4·WG_Y rows of x and BN = 4·WG_X rows of w. It walks K in slices of TK: the threads
// copy a BM × TK slice of x and a BN × TK slice of w into workgroup memory, wait, and each
// thread adds the slice's contribution to its 4 × 4 outputs (rows 4·ty..4·ty+3, columns
// 4·tx..4·tx+3 of the block) as outer products of two vec4. A value copied once is used by
// WG_X (or WG_Y) threads. Rows, columns or k past T, N or K read as 0 and are never written.
// Sums are f32 (the oracle sums in float64).
//
// Workgroup memory holds vec4 rather than f32: WGSL zero-fills it at the start of every
// workgroup, and llvmpipe (Mesa's software adapter, used in CI) compiles that fill in a time
// that grows faster than linearly with the element count (two tiles of 1024 f32: 20 s; of
// 256 vec4: 3 s; of 128 vec4, the default TK = 8: 0.8 s). A real GPU may prefer TK = 16 or 32.

override WG_X: u32 = 16; // threads along N
override WG_Y: u32 = 16; // threads along T
override TK: u32 = 8; // K-slice held in workgroup memory

struct Shape {
  T: u32,
  K: u32,
  N: u32,
  has_bias: u32, // 1: bias holds [N] values; 0: bias is a placeholder
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<f32>; // [T, K]
@group(0) @binding(2) var<storage, read> w: array<f32>; // [N, K]
@group(0) @binding(3) var<storage, read> bias: array<f32>; // [N], or a placeholder
@group(0) @binding(4) var<storage, read_write> out: array<f32>; // [T, N]

// xs[k · WG_Y + a][r] = x[row0 + 4a + r, k0 + k];  ws[k · WG_X + b][c] = w[col0 + 4b + c, k0 + k]
var<workgroup> xs: array<vec4<f32>, TK * WG_Y>;
var<workgroup> ws: array<vec4<f32>, TK * WG_X>;

@compute @workgroup_size(WG_X, WG_Y)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let BM = 4u * WG_Y;
  let BN = 4u * WG_X;
  let threads = WG_X * WG_Y;
  let row0 = wid.y * BM; // first row of x (and of out) of this block
  let col0 = wid.x * BN; // first row of w (column of out) of this block
  let T = shape.T;
  let K = shape.K;
  let N = shape.N;

  var acc: array<vec4<f32>, 4>; // acc[i][j] = out[row0 + 4·ty + i, col0 + 4·tx + j], starts at 0

  for (var k0 = 0u; k0 < K; k0 += TK) {
    // copy the slices; consecutive threads read consecutive k of one row
    for (var e = li; e < BM * TK; e += threads) {
      let m = e / TK;
      let k = e % TK;
      var v = 0.0;
      if (row0 + m < T && k0 + k < K) {
        v = x[(row0 + m) * K + k0 + k];
      }
      xs[k * WG_Y + m / 4u][m % 4u] = v;
    }
    for (var e = li; e < BN * TK; e += threads) {
      let n = e / TK;
      let k = e % TK;
      var v = 0.0;
      if (col0 + n < N && k0 + k < K) {
        v = w[(col0 + n) * K + k0 + k];
      }
      ws[k * WG_X + n / 4u][n % 4u] = v;
    }
    workgroupBarrier();

    for (var k = 0u; k < TK; k++) {
      let a = xs[k * WG_Y + lid.y]; // x of this thread's 4 rows at k
      let b = ws[k * WG_X + lid.x]; // w of this thread's 4 columns at k
      acc[0] += a.x * b;
      acc[1] += a.y * b;
      acc[2] += a.z * b;
      acc[3] += a.w * b;
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let r = row0 + 4u * lid.y + i;
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + 4u * lid.x + j;
      if (r < T && c < N) {
        var s = acc[i][j];
        if (shape.has_bias == 1u) {
          s += bias[c];
        }
        out[r * N + c] = s;
      }
    }
  }
}
