// LayerNorm over each row of a row-major [rows, width] matrix (torch.nn.LayerNorm: biased variance,
// eps inside the square root), optionally with a per-column weight and bias. One 256-wide workgroup per
// row: it strides over the columns, so any width works; the mean is taken first and the variance from
// the centred values in a second pass, which is steadier in f32 than E[x²] − E[x]².
// Rows are spread over a 2-D grid of workgroups (more than 65 535 rows: long calibration batches).

override HAS_AFFINE: bool = true;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

const WORKGROUP: u32 = 256u;

@compute @workgroup_size(256, 1, 1)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) local: u32,
) {
  let row = group.y * groups.x + group.x;
  if (row >= params.rows) { return; }
  let offset = row * params.width;

  var sum = 0.0;
  for (var c = local; c < params.width; c += WORKGROUP) { sum += x[offset + c]; }
  let mean = workgroupSum(local, sum) / f32(params.width);

  var squares = 0.0;
  for (var c = local; c < params.width; c += WORKGROUP) {
    let centred = x[offset + c] - mean;
    squares += centred * centred;
  }
  let inverseStd = inverseSqrt(workgroupSum(local, squares) / f32(params.width) + params.eps);

  for (var c = local; c < params.width; c += WORKGROUP) {
    var value = (x[offset + c] - mean) * inverseStd;
    if (HAS_AFFINE) { value = value * weight[c] + bias[c]; }
    out[offset + c] = value;
  }
}
