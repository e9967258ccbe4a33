// From columns in keep order (bitonicSort.wgsl) to the kept set K and the dropped set D, each in ascending
// column order (so value channels stay grouped by head, and gathers read memory in order). One workgroup:
// mark the first `keep` sorted columns, then an exclusive prefix sum over the marks, 256 columns at a time,
// gives each kept column its place in K (and each dropped one its place in D).

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> sortedIndices: array<u32>;
@group(0) @binding(2) var<storage, read_write> marks: array<u32>;
@group(0) @binding(3) var<storage, read_write> kept: array<u32>;
@group(0) @binding(4) var<storage, read_write> dropped: array<u32>;

var<workgroup> scan: array<u32, 256>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_index) local: u32) {
  for (var p = local; p < params.n; p += 256u) {
    marks[sortedIndices[p]] = select(0u, 1u, p < params.keep);
  }
  storageBarrier();
  workgroupBarrier();

  var keptBefore = 0u; // kept columns in earlier blocks of 256
  for (var base = 0u; base < params.n; base += 256u) {
    let column = base + local;
    let mark = select(0u, marks[min(column, params.n - 1u)], column < params.n);
    scan[local] = mark;
    workgroupBarrier();
    // Hillis–Steele inclusive scan over the block.
    for (var offset = 1u; offset < 256u; offset *= 2u) {
      let add = select(0u, scan[local - offset], local >= offset);
      workgroupBarrier();
      scan[local] += add;
      workgroupBarrier();
    }
    let keptUpTo = keptBefore + scan[local] - mark; // exclusive
    if (column < params.n) {
      if (mark == 1u) { kept[keptUpTo] = column; } else { dropped[column - keptUpTo] = column; }
    }
    keptBefore += scan[255];
    workgroupBarrier();
  }
}
