// In-place elementwise steps of a decoder layer, one thread per element on a 2-D grid:
//   OP 0: a += b            (residual connections)
//   OP 1: a = max(a, 0)     (ReLU after fc1)
//   OP 2: a[i, c] += b[c]   (a bias broadcast over rows: a fully pruned block contributes only its bias)

override OP: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

const WORKGROUP: u32 = 256u;

@compute @workgroup_size(256, 1, 1)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) local: u32,
) {
  let index = (group.y * groups.x + group.x) * WORKGROUP + local;
  if (index >= params.count) { return; }
  switch (OP) {
    case 1u: { a[index] = max(a[index], 0.0); }
    case 2u: { a[index] += b[index % params.width]; }
    default: { a[index] += b[index]; }
  }
}
