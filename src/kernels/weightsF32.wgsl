// Weights bound at binding 2 as plain f32; kernels read them only through weightAt(i) so the same body
// also runs on weights stored as halves (weightsF16.wgsl). Appended to a kernel's source.
@group(0) @binding(2) var<storage, read> weights: array<f32>;

fn weightAt(i: u32) -> f32 {
  return weights[i];
}
