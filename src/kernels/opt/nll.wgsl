// Negative log-likelihood from logits that arrive in vocabulary chunks (the LM head is computed chunk
// by chunk to bound memory). Per row, one 256-wide workgroup folds a chunk [rows, chunkWidth] into a
// running max m, a running Σ exp(logit − m) rescaled when m grows (online softmax, Milakov &
// Gimelshein 2018) and the target's logit; the last chunk writes NLL = m + log Σ − logit[target].
// FIRST ignores the state buffers' old contents, LAST writes `nll`. Rows on a 2-D grid.

override FIRST: bool = false;
override LAST: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> state: array<f32>; // [rows, 3]: max, sum, target logit
@group(0) @binding(4) var<storage, read_write> nll: array<f32>;

const WORKGROUP: u32 = 256u;

@compute @workgroup_size(256, 1, 1)
fn main(
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) local: u32,
) {
  let row = group.y * groups.x + group.x;
  if (row >= params.rows) { return; }
  let offset = row * params.chunkWidth;

  var localMax = -3.0e38;
  for (var j = local; j < params.chunkWidth; j += WORKGROUP) { localMax = max(localMax, logits[offset + j]); }
  let chunkMax = workgroupMax(local, localMax);

  var oldMax = -3.0e38;
  var oldSum = 0.0;
  var targetLogit = 0.0;
  if (!FIRST) {
    oldMax = state[row * 3u];
    oldSum = state[row * 3u + 1u];
    targetLogit = state[row * 3u + 2u];
  }
  let newMax = max(oldMax, chunkMax);

  var localSum = 0.0;
  for (var j = local; j < params.chunkWidth; j += WORKGROUP) { localSum += exp(logits[offset + j] - newMax); }
  let chunkSum = workgroupSum(local, localSum);

  if (local == 0u) {
    let sum = oldSum * exp(oldMax - newMax) + chunkSum;
    let targetId = targets[row];
    if (targetId >= params.chunkStart && targetId < params.chunkStart + params.chunkWidth) {
      targetLogit = logits[offset + targetId - params.chunkStart];
    }
    state[row * 3u] = newMax;
    state[row * 3u + 1u] = sum;
    state[row * 3u + 2u] = targetLogit;
    if (LAST) { nll[row] = newMax + log(sum) - targetLogit; }
  }
}
