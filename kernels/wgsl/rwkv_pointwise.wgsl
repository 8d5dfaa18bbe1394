// The elementwise functions of RWKV blocks, in place on x[0..n), chosen by the override FN:
//   FN 0: x ← σ(x) = 1 / (1 + exp(−x))     receptance, gates
//   FN 1: x ← tanh(x)                      LoRA projections
//   FN 2: x ← silu(x) = x·σ(x)             v5.2/v6 output gate
//   FN 3: x ← relu(x)²                     channel mix
//   FN 4: x ← x ⊙ y                        products (y [n]; a placeholder for FN 0..3)
// Oracle: sigmoidInPlace, tanhInPlace, siluInPlace, reluSquaredInPlace, mulInPlace in
// kernels/cpu/rwkv_activations.ts. Dispatcher: activate, mulInPlace in kernels/gpu/rwkv_ops.ts.
//
// One thread per element. Precision: σ takes exp only of −|x| ≤ 0, so nothing overflows for
// any x (WGSL leaves an overflowing exp undefined): σ(−100) underflows to 0 or a denormal (the
// oracle's 3.7e-44), silu(−100) to −0 or a denormal (its −3.7e-42).
// tanh takes its argument clamped to ±10, where tanh is ±1 in f32, so that no implementation
// overflows (as gelu.wgsl). relu² and the product are single f32 roundings, as on the CPU.

override WG: u32 = 256;
override FN: u32 = 0; // 0 sigmoid, 1 tanh, 2 silu, 3 relu², 4 x ⊙ y

struct Shape {
  n: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read_write> x: array<f32>; // [n], updated
@group(0) @binding(2) var<storage, read> y: array<f32>; // [n] for FN 4, else a placeholder

// σ(z) = 1 / (1 + e^{−z}) for z ≥ 0, e^{z} / (1 + e^{z}) for z < 0: exp(−|z|) ∈ (0, 1].
fn sigmoid(z: f32) -> f32 {
  let e = exp(-abs(z));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), z >= 0.0);
}

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
  let v = x[i];
  switch FN {
    case 0u: {
      x[i] = sigmoid(v);
    }
    case 1u: {
      x[i] = tanh(clamp(v, -10.0, 10.0));
    }
    case 2u: {
      x[i] = v * sigmoid(v);
    }
    case 3u: {
      x[i] = select(0.0, v * v, v > 0.0);
    }
    default: {
      x[i] = v * y[i];
    }
  }
}
