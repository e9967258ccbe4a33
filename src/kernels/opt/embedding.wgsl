// Token embedding gather and learned positions, one thread per output element on a 2-D grid.
//
// Gather (ADD_POSITIONS = false): out[i, c] = table[ids[i] − chunkStart, c] for the rows whose id
//   falls in this table chunk (big vocabularies are stored in several buffers, each under the device's
//   binding limit; one dispatch per chunk, rows outside it are left alone).
// Positions (ADD_POSITIONS = true): out[i, c] += table[positionOffset + (i mod seqLen) + 2, c], with
//   the position table bound as the table (OPT's learned positions start at row 2).
// The table is bound at binding 2 and read through weightAt (weightsF32.wgsl or weightsF16.wgsl, appended).

override ADD_POSITIONS: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

const WORKGROUP: u32 = 256u;

@compute @workgroup_size(256, 1, 1)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) local: u32,
) {
  let index = (group.y * groups.x + group.x) * WORKGROUP + local;
  if (index >= params.rows * params.width) { return; }
  let row = index / params.width;
  let col = index % params.width;
  if (ADD_POSITIONS) {
    let position = params.positionOffset + row % params.seqLen + 2u;
    out[index] += weightAt(position * params.width + col);
    return;
  }
  let id = ids[row];
  if (id < params.chunkStart || id >= params.chunkStart + params.chunkRows) { return; }
  out[index] = weightAt((id - params.chunkStart) * params.width + col);
}
