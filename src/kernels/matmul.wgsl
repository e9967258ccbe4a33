// Tiled f32 matmul: C[b] = op(A[b]) · op(B[b]) (+ bias), row-major, batched over workgroup_id.z.
// op(A) is [m, k] (A stored [k, m] when TRANS_A); op(B) is [k, n] (B stored [n, k] when TRANS_B).
// A 16×16 workgroup computes a 64×64 tile of C, each invocation a 4×4 block kept in registers, so a
// value loaded into workgroup memory is used 4 times per thread instead of once.
// B is bound at binding 2 and read through weightAt (weightsF32.wgsl or weightsF16.wgsl, appended), so
// the same kernel multiplies by weights stored as halves.

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;

const TILE_M: u32 = 64u;
const TILE_N: u32 = 64u;
const TILE_K: u32 = 16u;
const THREAD_M: u32 = 4u;
const THREAD_N: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// Both tiles are stored k-major, so the inner loop reads a row of each.
var<workgroup> tileA: array<f32, TILE_K * TILE_M>;
var<workgroup> tileB: array<f32, TILE_K * TILE_N>;

fn loadA(batchOffset: u32, row: u32, col: u32) -> f32 {
  if (row >= params.m || col >= params.k) { return 0.0; }
  if (TRANS_A) { return a[batchOffset + col * params.m + row]; }
  return a[batchOffset + row * params.k + col];
}

fn loadB(batchOffset: u32, row: u32, col: u32) -> f32 {
  if (row >= params.k || col >= params.n) { return 0.0; }
  if (TRANS_B) { return weightAt(batchOffset + col * params.k + row); }
  return weightAt(batchOffset + row * params.n + col);
}

@compute @workgroup_size(16, 16, 1)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(local_invocation_id) local: vec3<u32>,
  @builtin(local_invocation_index) flat: u32,
) {
  let batch = group.z;
  let aOffset = batch * params.batchStrideA;
  let bOffset = batch * params.batchStrideB;
  let rowBase = group.y * TILE_M;
  let colBase = group.x * TILE_N;

  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }

  let tiles = (params.k + TILE_K - 1u) / TILE_K;
  for (var t = 0u; t < tiles; t++) {
    let kBase = t * TILE_K;
    // 256 invocations load 1024 values of each tile: 4 apiece.
    for (var s = 0u; s < 4u; s++) {
      let index = flat + s * 256u;
      // A tile: index → (kk, r) with r fastest when A is transposed (contiguous along m), else kk fastest.
      if (TRANS_A) {
        let kk = index / TILE_M;
        let r = index % TILE_M;
        tileA[kk * TILE_M + r] = loadA(aOffset, rowBase + r, kBase + kk);
      } else {
        let r = index / TILE_K;
        let kk = index % TILE_K;
        tileA[kk * TILE_M + r] = loadA(aOffset, rowBase + r, kBase + kk);
      }
      if (TRANS_B) {
        let cc = index / TILE_K;
        let kk = index % TILE_K;
        tileB[kk * TILE_N + cc] = loadB(bOffset, kBase + kk, colBase + cc);
      } else {
        let kk = index / TILE_N;
        let cc = index % TILE_N;
        tileB[kk * TILE_N + cc] = loadB(bOffset, kBase + kk, colBase + cc);
      }
    }
    workgroupBarrier();

    for (var kk = 0u; kk < TILE_K; kk++) {
      var aRegs: array<f32, 4>;
      var bRegs: array<f32, 4>;
      for (var i = 0u; i < THREAD_M; i++) { aRegs[i] = tileA[kk * TILE_M + local.y * THREAD_M + i]; }
      for (var j = 0u; j < THREAD_N; j++) { bRegs[j] = tileB[kk * TILE_N + local.x * THREAD_N + j]; }
      for (var i = 0u; i < THREAD_M; i++) {
        for (var j = 0u; j < THREAD_N; j++) {
          acc[i * THREAD_N + j] = fma(aRegs[i], bRegs[j], acc[i * THREAD_N + j]);
        }
      }
    }
    workgroupBarrier();
  }

  let cOffset = batch * params.m * params.n;
  for (var i = 0u; i < THREAD_M; i++) {
    let row = rowBase + local.y * THREAD_M + i;
    if (row >= params.m) { continue; }
    for (var j = 0u; j < THREAD_N; j++) {
      let col = colBase + local.x * THREAD_N + j;
      if (col >= params.n) { continue; }
      var value = acc[i * THREAD_N + j];
      if (HAS_BIAS) { value += bias[col]; }
      c[cOffset + row * params.n + col] = value;
    }
  }
}
