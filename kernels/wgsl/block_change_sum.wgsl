// Block change sums, stage 2 of 2: adds up the [T, 2] per-row terms of block_change_rows.wgsl,
//   out[2·slot]     = Σ_t rows[t].x   (Σ 1 − cos, Block Influence)
//   out[2·slot + 1] = Σ_t rows[t].y   (Σ ‖y − x‖ / ‖y‖, Relative Magnitude)
// leaving the rest of out untouched.
// Oracle: blockChangeSums in kernels/cpu/block_change.ts. Dispatcher: kernels/gpu/block_change.ts.
//
// A single workgroup. Each of the WG threads sums the rows lid, lid + WG, lid + 2·WG, ... with
// Kahan compensation, then the WG partial sums are added pairwise in workgroup memory (WG must be
// a power of two).
//
// The compensation c = ((sum + v) − sum) − v is zero in exact arithmetic, and shader compilers
// that may reassociate floats fold it away (Mesa's llvmpipe does: the sums came out as plain f32
// sums). Hence `sum * one`, with `one` = 1.0 read from the uniform (T ≥ 1 whenever the loop runs):
// the same number, but not an expression the compiler can cancel. kernels/gpu/block_change_test.ts
// checks that the compensation survives (one thread over 20000 rows).
//
// Precision: f32 (WGSL has no f64; the oracle sums in float64). The compensated sums keep each
// thread's share accurate to about one f32 rounding however many rows it holds; the tree adds
// about log2(WG) roundings of 6e-8 relative. A non-finite row makes its sum NaN or ±Inf.

override WG: u32 = 256; // threads, a power of two

struct Shape {
  T: u32,
  slot: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> rows: array<vec2<f32>>; // [T, 2]
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // [at least 2·slot + 2]

var<workgroup> partial: array<vec2<f32>, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  var sum = vec2<f32>(0.0);
  var c = vec2<f32>(0.0); // the low-order part lost so far, negated (Kahan)
  let one = f32(min(shape.T, 1u)); // 1.0 inside the loop, unknown to the compiler
  for (var t = lid; t < shape.T; t += WG) {
    let v = rows[t] - c;
    let next = sum + v;
    c = (next - sum * one) - v;
    sum = next;
  }
  partial[lid] = sum - c;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }

  if (lid == 0u) {
    out[2u * shape.slot] = partial[0].x;
    out[2u * shape.slot + 1u] = partial[0].y;
  }
}
