// C[cRow + r, cCol + c] −= Σ_p A[aRow + r, aCol + p] · B'[c, p] over an m×n block of C, with
// B'[c, p] = B[bRow + c, bCol + p] (C −= A·Bᵀ), or with PLAIN_B B'[c, p] = B[bRow + p, bCol + c] (C −= A·B).
// Leading dimensions lda, ldb, ldc let every operand be a block of a larger matrix: the trailing update of
// the blocked Cholesky (LOWER: only r ≥ c, tiles above the diagonal skipped) and the block steps of the
// triangular solves. Tiling as matmul.wgsl: 64×64 tiles of C, 16×16 invocations with 4×4 each.

override PLAIN_B: bool = false;
override LOWER: bool = false;

const TILE: u32 = 64u;
const TILE_K: u32 = 16u;
const THREAD: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

var<workgroup> tileA: array<f32, TILE_K * TILE>; // [p, r]
var<workgroup> tileB: array<f32, TILE_K * TILE>; // [p, c]

fn loadA(r: u32, p: u32) -> f32 {
  if (r >= params.m || p >= params.k) { return 0.0; }
  return a[(params.aRow + r) * params.lda + params.aCol + p];
}

fn loadB(col: u32, p: u32) -> f32 {
  if (col >= params.n || p >= params.k) { return 0.0; }
  if (PLAIN_B) { return b[(params.bRow + p) * params.ldb + params.bCol + col]; }
  return b[(params.bRow + col) * params.ldb + params.bCol + p];
}

@compute @workgroup_size(16, 16, 1)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) flat: u32,
) {
  if (LOWER && group.y < group.x) { return; }
  let rowBase = group.y * TILE;
  let colBase = group.x * TILE;
  var acc: array<f32, 16>;
  for (var e = 0u; e < 16u; e++) { acc[e] = 0.0; }

  for (var kBase = 0u; kBase < params.k; kBase += TILE_K) {
    for (var s = 0u; s < 4u; s++) {
      let index = flat + s * 256u;
      // A rows are contiguous along p; so are B' rows, unless B is plain (then contiguous along c).
      let r = index / TILE_K;
      let p = index % TILE_K;
      tileA[p * TILE + r] = loadA(rowBase + r, kBase + p);
      if (PLAIN_B) {
        let pp = index / TILE;
        let cc = index % TILE;
        tileB[pp * TILE + cc] = loadB(colBase + cc, kBase + pp);
      } else {
        tileB[p * TILE + r] = loadB(colBase + r, kBase + p);
      }
    }
    workgroupBarrier();
    for (var p = 0u; p < TILE_K; p++) {
      var aRegs: array<f32, 4>;
      var bRegs: array<f32, 4>;
      for (var i = 0u; i < THREAD; i++) { aRegs[i] = tileA[p * TILE + local.y * THREAD + i]; }
      for (var j = 0u; j < THREAD; j++) { bRegs[j] = tileB[p * TILE + local.x * THREAD + j]; }
      for (var i = 0u; i < THREAD; i++) {
        for (var j = 0u; j < THREAD; j++) { acc[i * THREAD + j] = fma(aRegs[i], bRegs[j], acc[i * THREAD + j]); }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < THREAD; i++) {
    let row = rowBase + local.y * THREAD + i;
    if (row >= params.m) { continue; }
    for (var j = 0u; j < THREAD; j++) {
      let col = colBase + local.x * THREAD + j;
      if (col >= params.n || (LOWER && col > row)) { continue; }
      c[(params.cRow + row) * params.ldc + params.cCol + col] -= acc[i * THREAD + j];
    }
  }
}
