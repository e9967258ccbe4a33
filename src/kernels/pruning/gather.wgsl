// Compaction into a new buffer: out[r, c] = source[rows[r], cols[c]] for a row-major source with
// `sourceCols` columns, plus `diagonalShift` on the first `shiftedDiagonal` diagonal entries (r == c). Without GATHER_ROWS (GATHER_COLS) every row (column) is taken in order.
// Drops fc1/v_proj rows and their bias entries (a bias is a one-column matrix), fc2/out_proj columns, and
// cuts the Gram blocks G_KK + λI (shift λ) and G_DK for the restoration.

override GATHER_ROWS: bool = true;
override GATHER_COLS: bool = true;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> source: array<f32>;
@group(0) @binding(2) var<storage, read> rowIndex: array<u32>;
@group(0) @binding(3) var<storage, read> colIndex: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let r = id.y;
  let c = id.x;
  if (r >= params.outRows || c >= params.outCols) { return; }
  var sourceRow = r;
  var sourceCol = c;
  if (GATHER_ROWS) { sourceRow = rowIndex[r]; }
  if (GATHER_COLS) { sourceCol = colIndex[c]; }
  var value = source[sourceRow * params.sourceCols + sourceCol];
  if (r == c && r < params.shiftedDiagonal) { value += params.diagonalShift; }
  out[r * params.outCols + c] = value;
}
