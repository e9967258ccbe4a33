// G (+)= XᵀX for a chunk of calibration activations X [rows, n] (row-major, one row per token), the
// Gram matrix of FASP's restoration (issue #4, §3). A 16×16 workgroup owns a 64×64 tile of G, each
// invocation a 4×4 block in registers; tokens stream through workgroup memory 16 at a time, and both
// operand tiles are contiguous runs of X's rows, so loads are coalesced. G is symmetric: only tiles on
// or above the diagonal are computed, and an off-diagonal tile also writes its mirror.

override ACCUMULATE: bool = true; // add to G (streaming over chunks) instead of overwriting it

const TILE: u32 = 64u;
const TILE_T: u32 = 16u;
const THREAD: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> gram: array<f32>;

var<workgroup> tileI: array<f32, TILE_T * TILE>; // [token, column i]
var<workgroup> tileJ: array<f32, TILE_T * TILE>; // [token, column j]

fn load(token: u32, column: u32) -> f32 {
  if (token >= params.rows || column >= params.n) { return 0.0; }
  return x[token * params.n + column];
}

fn store(i: u32, j: u32, value: f32) {
  let index = i * params.n + j;
  if (ACCUMULATE) { gram[index] += value; } else { gram[index] = value; }
}

@compute @workgroup_size(16, 16, 1)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) flat: u32,
) {
  // Tile (row block I = group.y, column block J = group.x); the lower triangle is the mirror.
  if (group.y > group.x) { return; }
  let iBase = group.y * TILE;
  let jBase = group.x * TILE;

  var acc: array<f32, 16>;
  for (var e = 0u; e < 16u; e++) { acc[e] = 0.0; }

  for (var t0 = 0u; t0 < params.rows; t0 += TILE_T) {
    // 256 invocations load 1024 values of each tile: 4 apiece.
    for (var s = 0u; s < 4u; s++) {
      let index = flat + s * 256u;
      let tt = index / TILE;
      let c = index % TILE;
      tileI[index] = load(t0 + tt, iBase + c);
      tileJ[index] = load(t0 + tt, jBase + c);
    }
    workgroupBarrier();
    for (var tt = 0u; tt < TILE_T; tt++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var r = 0u; r < THREAD; r++) { a[r] = tileI[tt * TILE + local.y * THREAD + r]; }
      for (var c = 0u; c < THREAD; c++) { b[c] = tileJ[tt * TILE + local.x * THREAD + c]; }
      for (var r = 0u; r < THREAD; r++) {
        for (var c = 0u; c < THREAD; c++) { acc[r * THREAD + c] = fma(a[r], b[c], acc[r * THREAD + c]); }
      }
    }
    workgroupBarrier();
  }

  let mirrored = group.y != group.x;
  for (var r = 0u; r < THREAD; r++) {
    let i = iBase + local.y * THREAD + r;
    if (i >= params.n) { continue; }
    for (var c = 0u; c < THREAD; c++) {
      let j = jBase + local.x * THREAD + c;
      if (j >= params.n) { continue; }
      store(i, j, acc[r * THREAD + c]);
      if (mirrored) { store(j, i, acc[r * THREAD + c]); }
    }
  }
}
