// y = x·Wᵀ (+ b) for a few rows of x (m ≤ 8): the shape of token-by-token generation and of short
// prompts. A 64×64 matmul tile would spend 64/m of its work on padding rows; here one 64-wide
// workgroup owns one output feature n, its threads walk W's row n with adjacent threads on adjacent
// columns (coalesced), keep one partial sum per row of x, and reduce them in workgroup memory.
// x [m, k], W [n, k] (HF layout), bias [n], y [m, n]; features spread over a 2-D grid. W is bound at
// binding 2 and read through weightAt (weightsF32.wgsl or weightsF16.wgsl, appended).

override HAS_BIAS: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

const WORKGROUP: u32 = 64u;
const MAX_ROWS: u32 = 8u;
var<workgroup> partial: array<f32, 512>; // MAX_ROWS × WORKGROUP

@compute @workgroup_size(64, 1, 1)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) local: u32,
) {
  let feature = group.y * groups.x + group.x;
  if (feature >= params.n) { return; }
  var acc: array<f32, MAX_ROWS>;
  for (var r = 0u; r < MAX_ROWS; r++) { acc[r] = 0.0; }
  let rowOffset = feature * params.k;
  for (var c = local; c < params.k; c += WORKGROUP) {
    let weight = weightAt(rowOffset + c);
    for (var r = 0u; r < params.m; r++) { acc[r] = fma(weight, x[r * params.k + c], acc[r]); }
  }
  for (var r = 0u; r < MAX_ROWS; r++) { partial[r * WORKGROUP + local] = acc[r]; }
  workgroupBarrier();
  for (var stride = WORKGROUP / 2u; stride > 0u; stride = stride / 2u) {
    if (local < stride) {
      for (var r = 0u; r < MAX_ROWS; r++) { partial[r * WORKGROUP + local] += partial[r * WORKGROUP + local + stride]; }
    }
    workgroupBarrier();
  }
  if (local < params.m) {
    var value = partial[local * WORKGROUP];
    if (HAS_BIAS) { value += bias[feature]; }
    y[local * params.n + feature] = value;
  }
}
