/**
 * Heads of one pruned attention layer grouped by value width, for the ONNX graph. Each group is an
 * ordinary multi-head attention with `heads.length` heads whose queries and keys have the full
 * head_dim and whose values have `valueWidth` channels, so a group maps onto batched MatMuls. Heads that
 * kept no value channels form no group: their attention probabilities would multiply nothing, so their
 * queries and keys are not computed at all.
 */
export interface HeadGroup {
  valueWidth: number;
  /** Original head indices, ascending. */
  heads: number[];
}

/** Groups in order of each width's first head; heads of width 0 are left out. */
export function groupHeadsByValueWidth(vHeadDims: readonly number[]): HeadGroup[] {
  const byWidth = new Map<number, HeadGroup>();
  vHeadDims.forEach((width, head) => {
    if (!Number.isInteger(width) || width < 0) throw new RangeError(`head ${head}: value width must be a non-negative integer, got ${width}`);
    if (width === 0) return;
    let group = byWidth.get(width);
    if (!group) byWidth.set(width, (group = { valueWidth: width, heads: [] }));
    group.heads.push(head);
  });
  return [...byWidth.values()];
}

/** Heads in group order: the order in which the graph lays out their queries, keys and values. */
export function headsInGroupOrder(groups: readonly HeadGroup[]): number[] {
  return groups.flatMap((group) => group.heads);
}

/**
 * The value channels (indices into v_proj's rows, laid out head by head as `vHeadDims` says) in group
 * order. Permuting v_proj's rows and out_proj's columns the same way leaves the layer's output
 * unchanged, and makes each group's values one contiguous block.
 */
export function valueChannelsInGroupOrder(vHeadDims: readonly number[], groups: readonly HeadGroup[]): Int32Array {
  const offsets = [0];
  for (const width of vHeadDims) offsets.push(offsets[offsets.length - 1] + width);
  const order: number[] = [];
  for (const head of headsInGroupOrder(groups)) for (let c = offsets[head]; c < offsets[head + 1]; c++) order.push(c);
  return Int32Array.from(order);
}
