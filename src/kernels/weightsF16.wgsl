// Weights bound at binding 2 as IEEE halves packed two per u32 (element 2j in the low 16 bits: the
// layout of packHalves, src/lib/util/half.ts), widened to f32 on load so all arithmetic stays f32.
// unpack2x16float is core WGSL: no `shader-f16` feature is needed, so this runs on every adapter.
@group(0) @binding(2) var<storage, read> weights: array<u32>;

fn weightAt(i: u32) -> f32 {
  let pair = unpack2x16float(weights[i >> 1u]);
  return select(pair.x, pair.y, (i & 1u) == 1u);
}
