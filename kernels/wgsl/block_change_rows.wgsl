// Block change sums, stage 1 of 2: the per-row terms of Block Influence and Relative Magnitude.
// For x = X_i and y = X_{i+1}, both [T, D]:
//   rows[t] = (1 − cos(x[t], y[t]),  ‖y[t] − x[t]‖ / ‖y[t]‖)
// with 1 − cos = 0.5 when ‖x[t]‖·‖y[t]‖ = 0 and the second term 0 when ‖y[t]‖ = 0.
// Stage 2 (block_change_sum.wgsl) adds the rows up.
// Oracle: blockChangeSums in kernels/cpu/block_change.ts. Dispatcher: kernels/gpu/block_change.ts.
//
// One workgroup per row, two passes over the row. Pass 1: each of the WG threads accumulates
// (‖x‖², ‖y‖², ‖y − x‖²) over a strided share of the row, and the partial sums are added pairwise
// in workgroup memory (WG must be a power of two; one vec3 array rather than three f32 arrays, as
// llvmpipe compiles workgroup memory in time growing with its element count). Pass 2, the same
// way: q = ‖x/‖x‖ − y/‖y‖‖², and 1 − cos = q / 2.
//
// Precision: f32 throughout (WGSL has no f64; the oracle sums in float64). A block that barely
// turns the stream has 1 − cos ≈ 1e-3 or less. Formed as 1 − x·y / (‖x‖‖y‖), it would carry the
// f32 error of the cosine (a few 1e-7) as an absolute error: 1e-5 relative at 1 − cos = 1e-3, 1e-4
// at 1e-4 (measured). Here nothing cancels: the difference of the unit vectors is formed from
// y − x (exact in f32 when y ≈ x), and an error in ‖x‖ or ‖y‖ changes q by the same relative
// amount. 1 − cos comes out with a relative error of about 3e-7 down to 1 − cos = 1e-6, whether y
// is x plus a little noise or a rescaled x (kernels/gpu/block_change_test.ts), ‖y − x‖ / ‖y‖ with
// about 1.5e-7.
// Range: f32 squares overflow for values beyond about 1e19 (the float64 oracle still handles
// them); such a row gets an infinite term rather than a wrong finite one (without that check it
// came out as 0), so the caller's overflow check catches it. Rows whose values are all below
// about 1e-19 underflow to a zero norm (1 − cos = 0.5). NaN and ±Inf in x or y give NaN or ±Inf,
// as in the oracle.

override WG: u32 = 256; // threads per row, a power of two

struct Shape {
  T: u32,
  D: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> x: array<f32>; // [T, D]
@group(0) @binding(2) var<storage, read> y: array<f32>; // [T, D]
@group(0) @binding(3) var<storage, read_write> rows: array<vec2<f32>>; // [T, 2]: (1 − cos, relmag)

var<workgroup> partial: array<vec3<f32>, WG>;

// The largest finite f32, (2 − 2⁻²³)·2¹²⁷, written exactly in hex: a decimal such as 3.40282347e38
// lies just above it, and Chrome's compiler (Tint) rejects a literal outside f32's finite range.
const F32_MAX = 0x1.fffffep+127f;

// Sum of `v` over the workgroup's threads, in partial[0] after the last barrier.
fn workgroup_sum(v: vec3<f32>, lid: u32) {
  partial[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let D = shape.D;
  let row = wid.x * D;

  var acc = vec3<f32>(0.0);
  for (var i = lid; i < D; i += WG) {
    let a = x[row + i];
    let b = y[row + i];
    let e = b - a;
    acc += vec3<f32>(a * a, b * b, e * e);
  }
  workgroup_sum(acc, lid);
  let s = partial[0]; // (‖x‖², ‖y‖², ‖y − x‖²)
  workgroupBarrier(); // every thread has read s before partial is reused
  let nx = sqrt(s.x);
  let ny = sqrt(s.y);

  // x/‖x‖ − y/‖y‖ = x·(‖y‖ − ‖x‖)/(‖x‖‖y‖) − (y − x)/‖y‖: both parts are small when y ≈ x, so
  // their roundings are small next to the difference (x/‖x‖ and y/‖y‖ rounded apart would each
  // carry an error of 6e-8·|x_i|/‖x‖, large next to a small difference). A zero norm gives 0 here
  // and its term is replaced below.
  let ix = select(1.0 / nx, 0.0, nx == 0.0);
  let iy = select(1.0 / ny, 0.0, ny == 0.0);
  let k = (ny - nx) * ix * iy;
  var q = 0.0;
  for (var i = lid; i < D; i += WG) {
    let a = x[row + i];
    let r = a * k - (y[row + i] - a) * iy;
    q += r * r;
  }
  workgroup_sum(vec3<f32>(q, 0.0, 0.0), lid);

  if (lid == 0u) {
    var bi = 0.5 * partial[0].x;
    if (nx == 0.0 || ny == 0.0) {
      bi = 0.5;
    }
    var rm = 0.0;
    if (ny != 0.0) {
      rm = sqrt(s.z) / ny;
    }
    // Inf when a sum of squares overflowed, NaN when x or y held NaN or ±Inf.
    let total = s.x + s.y + s.z;
    if (!(total <= F32_MAX)) {
      bi = total;
      if (ny != 0.0) {
        rm = total;
      }
    }
    rows[wid.x] = vec2<f32>(bi, rm);
  }
}
