// Causal multi-head attention with per-head value widths (pruned models), one 64-wide workgroup per
// (sequence, query, head) on a 2-D grid.
//
// q [batch·queryLen, numHeads·headDim]; k [batch·keyStride, numHeads·headDim]; v [batch·keyStride, vDim]
// (keyStride ≥ keyLen: a KV cache's capacity). Query i is position keyLen − queryLen + i and sees keys
// 0 … that position. Head h reads and writes value columns vOffsets[h] … vOffsets[h+1]; only heads with
// at least one value channel are dispatched (`activeHeads` lists them), since a head with none adds
// nothing to out_proj's input.
//
// The workgroup keeps its query row and all its scores in workgroup memory (OPT has ≤ 2048 positions):
// scores and a max-reduction, exponentials and a sum-reduction, then each thread accumulates value
// channels, reading a row of v per key with adjacent threads on adjacent channels.

override MAX_KEYS: u32 = 2048u;
override MAX_HEAD_DIM: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> vOffsets: array<u32>;
@group(0) @binding(5) var<storage, read> activeHeads: array<u32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

const WORKGROUP: u32 = 64u;
var<workgroup> scores: array<f32, MAX_KEYS>;
var<workgroup> query: array<f32, MAX_HEAD_DIM>;

@compute @workgroup_size(64, 1, 1)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) local: u32,
) {
  let flat = group.y * groups.x + group.x;
  if (flat >= params.batch * params.queryLen * params.activeCount) { return; }
  let slot = flat % params.activeCount;
  let queryRow = flat / params.activeCount; // b · queryLen + i
  let b = queryRow / params.queryLen;
  let i = queryRow % params.queryLen;
  let lastKey = params.keyLen - params.queryLen + i;
  let head = activeHeads[slot];
  let qkWidth = params.numHeads * params.headDim;
  let headOffset = head * params.headDim;

  for (var d = local; d < params.headDim; d += WORKGROUP) { query[d] = q[queryRow * qkWidth + headOffset + d]; }
  workgroupBarrier();

  var localMax = -3.0e38;
  for (var j = local; j <= lastKey; j += WORKGROUP) {
    let keyRow = (b * params.keyStride + j) * qkWidth + headOffset;
    var dot = 0.0;
    for (var d = 0u; d < params.headDim; d++) { dot = fma(query[d], k[keyRow + d], dot); }
    let score = dot * params.scale;
    scores[j] = score;
    localMax = max(localMax, score);
  }
  let rowMax = workgroupMax(local, localMax);

  var localSum = 0.0;
  for (var j = local; j <= lastKey; j += WORKGROUP) {
    let e = exp(scores[j] - rowMax);
    scores[j] = e;
    localSum += e;
  }
  let inverseSum = 1.0 / workgroupSum(local, localSum);

  let vBegin = vOffsets[head];
  let vEnd = vOffsets[head + 1u];
  for (var c = vBegin + local; c < vEnd; c += WORKGROUP) {
    var acc = 0.0;
    for (var j = 0u; j <= lastKey; j++) { acc = fma(scores[j], v[(b * params.keyStride + j) * params.vDim + c], acc); }
    out[queryRow * params.vDim + c] = acc * inverseSum;
  }
}
