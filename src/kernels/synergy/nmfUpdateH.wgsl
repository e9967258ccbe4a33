// Lee–Seung H update for a batch of NMF problems (every k and restart at once), fused with the
// sums the W update needs. Workgroup (chunk, problem): 64 invocations walk the chunk's samples in
// tiles of 64; invocation t updates h_j for sample j = tile + t:
//   h_j ← h_j ∘ (Wᵀ e_j) / (WᵀW h_j + ε)
// then the tile's E columns and new H columns sit in workgroup memory and each invocation adds the
// tile's share of its own entries of [E·Hᵀ ; H·Hᵀ] ((m + k) × k values, 12 at most apiece).
// Per-chunk sums go to `partials`; nmfUpdateW.wgsl adds them up. Converged problems are skipped.

const TILE: u32 = 64u;
const MAX_K: u32 = 16u;
const MAX_OWNED: u32 = 12u; // ceil((32 muscles + 16) · 16 / 64)

struct Status {
  vaf: f32,
  vafAtCheck: f32,
  iterations: u32,
  converged: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> e: array<f32>;            // [m, n]
@group(0) @binding(2) var<storage, read> w: array<f32>;            // per problem [m, k] at problems[p].y
@group(0) @binding(3) var<storage, read> wtw: array<f32>;          // per problem [kStride, kStride]
@group(0) @binding(4) var<storage, read_write> h: array<f32>;      // per problem [k, n] at problems[p].z
@group(0) @binding(5) var<storage, read_write> partials: array<f32>; // [problem, chunk, (m + kStride) · kStride]
@group(0) @binding(6) var<storage, read> problems: array<vec4<u32>>; // (k, wOffset, hOffset, -)
@group(0) @binding(7) var<storage, read> status: array<Status>;

var<workgroup> wTile: array<f32, 512>;  // W [m, k]
var<workgroup> gTile: array<f32, 256>;  // WᵀW [k, k]
var<workgroup> eTile: array<f32, 2048>; // E columns of the tile [m, TILE]
var<workgroup> hTile: array<f32, 1024>; // new H columns of the tile [k, TILE]
var<workgroup> skip: u32;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let p = group.y;
  let chunk = group.x;
  if (t == 0u) { skip = status[p].converged; }
  if (workgroupUniformLoad(&skip) != 0u) { return; }

  let info = problems[p];
  let k = info.x;
  let m = params.m;
  let n = params.n;
  for (var i = t; i < m * k; i += TILE) { wTile[i] = w[info.y + i]; }
  for (var i = t; i < k * k; i += TILE) { gTile[i] = wtw[p * params.kStride * params.kStride + i]; }
  workgroupBarrier();

  let entries = (m + k) * k;
  var acc: array<f32, MAX_OWNED>;
  for (var o = 0u; o < MAX_OWNED; o++) { acc[o] = 0.0; }
  let begin = chunk * params.chunkLength;
  let end = min(begin + params.chunkLength, n);
  for (var tile = begin; tile < end; tile += TILE) {
    let j = tile + t;
    if (j < end) {
      for (var i = 0u; i < m; i++) { eTile[i * TILE + t] = e[i * n + j]; }
      var hOld: array<f32, MAX_K>;
      for (var r = 0u; r < k; r++) { hOld[r] = h[info.z + r * n + j]; }
      for (var r = 0u; r < k; r++) {
        var num = 0.0;
        for (var i = 0u; i < m; i++) { num = fma(wTile[i * k + r], eTile[i * TILE + t], num); }
        var den = 0.0;
        for (var s = 0u; s < k; s++) { den = fma(gTile[r * k + s], hOld[s], den); }
        let updated = hOld[r] * num / (den + params.epsilon);
        h[info.z + r * n + j] = updated;
        hTile[r * TILE + t] = updated;
      }
    } else {
      // Samples past the end add nothing to the sums.
      for (var i = 0u; i < m; i++) { eTile[i * TILE + t] = 0.0; }
      for (var r = 0u; r < k; r++) { hTile[r * TILE + t] = 0.0; }
    }
    workgroupBarrier();
    for (var o = 0u; o < MAX_OWNED; o++) {
      let entry = t + o * TILE;
      if (entry >= entries) { break; }
      let a = entry / k;
      let r = entry % k;
      var sum = 0.0;
      if (a < m) {
        for (var c = 0u; c < TILE; c++) { sum = fma(eTile[a * TILE + c], hTile[r * TILE + c], sum); }
      } else {
        let s = a - m;
        for (var c = 0u; c < TILE; c++) { sum = fma(hTile[s * TILE + c], hTile[r * TILE + c], sum); }
      }
      acc[o] += sum;
    }
    workgroupBarrier();
  }

  let base = (p * params.chunks + chunk) * (m + params.kStride) * params.kStride;
  for (var o = 0u; o < MAX_OWNED; o++) {
    let entry = t + o * TILE;
    if (entry >= entries) { break; }
    partials[base + entry] = acc[o];
  }
}
