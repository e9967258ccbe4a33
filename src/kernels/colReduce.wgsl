// Per-column reduction of a row-major [rows, cols] matrix: sum, sum of squares or sum of |x|.
// Workgroup (64, 4): x walks 64 adjacent columns (coalesced reads of one row), y splits the rows 4 ways
// within the workgroup, and workgroup_id.y splits them across `rowBlocks` workgroups, each writing a
// partial sum for the next pass (so tall matrices, e.g. 65 536 calibration tokens, still fill the GPU).

override REDUCTION: u32 = 0u; // 0 = sum, 1 = sum of squares, 2 = sum of absolute values
override ACCUMULATE: bool = false; // add to the output instead of overwriting it

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> matrix: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, 256>;

fn term(x: f32) -> f32 {
  switch (REDUCTION) {
    case 1u: { return x * x; }
    case 2u: { return abs(x); }
    default: { return x; }
  }
}

@compute @workgroup_size(64, 4, 1)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
  let col = group.x * 64u + local.x;
  let rowStart = group.y * params.rowsPerBlock;
  let rowEnd = min(rowStart + params.rowsPerBlock, params.rows);
  var sum = 0.0;
  if (col < params.cols) {
    for (var row = rowStart + local.y; row < rowEnd; row += 4u) {
      sum += term(matrix[row * params.cols + col]);
    }
  }
  partial[local.y * 64u + local.x] = sum;
  workgroupBarrier();
  if (local.y == 0u && col < params.cols) {
    let total = partial[local.x] + partial[64u + local.x] + partial[128u + local.x] + partial[192u + local.x];
    let index = group.y * params.cols + col;
    if (ACCUMULATE) { out[index] += total; } else { out[index] = total; }
  }
}
