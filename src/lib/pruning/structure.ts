import { InputError } from '../errors.ts';

/**
 * The two coupled structures of an OPT decoder layer that FASP removes physically (issue #4, §1).
 * Matrices are row-major in Hugging Face layout: a linear layer's weight is [out, in].
 *
 * A coupled group is a producer whose output rows feed, one to one, the input columns of a consumer:
 *   FFN:        producer fc1    [F, d] (+ bias [F]),  consumer fc2      [d, F] (+ bias [d])
 *   attention:  producer v_proj [V, d] (+ bias [V]),  consumer out_proj [d, V] (+ bias [d])
 * Channel j of the group is row j of the producer (and its bias entry) and column j of the consumer.
 * Dropping it is exact when nothing else reads that channel: ReLU is element-wise in the FFN, and the
 * attention probabilities come from q_proj/k_proj, which stay whole, so a value channel only ever
 * meets its own head's probabilities.
 */
export interface CoupledGroup {
  /** Rows of the producer = columns of the consumer. */
  width: number;
  /** The model's hidden size d: producer input width, consumer output width. */
  hiddenSize: number;
  producerWeight: Float32Array; // [width, d]
  producerBias: Float32Array; // [width]
  consumerWeight: Float32Array; // [d, width]
  consumerBias: Float32Array; // [d]
}

/**
 * Value channels are ordered head by head: head h owns the `vHeadDims[h]` channels after those of heads
 * < h. After pruning, a head may keep any number of its channels, including none (its output is then
 * zero, but its q/k still exist: the attention kernel must take per-head value widths).
 */
export interface AttentionValueGroup extends CoupledGroup {
  vHeadDims: number[];
}

/** What pruning reads and writes of one decoder layer; everything else in the layer is untouched. */
export interface PrunableLayer {
  ffn: CoupledGroup; // fc1 / fc2
  attention: AttentionValueGroup; // v_proj / out_proj
}

export type GroupName = 'ffn' | 'attention';
export const GROUP_NAMES: readonly GroupName[] = ['ffn', 'attention'];

/** HF parameter names of each group, for messages that point at the right tensor. */
export const GROUP_TENSORS: Record<GroupName, { producer: string; consumer: string }> = {
  ffn: { producer: 'fc1', consumer: 'fc2' },
  attention: { producer: 'self_attn.v_proj', consumer: 'self_attn.out_proj' },
};

/** Checks sizes (and finiteness, which every metric relies on) at the boundary: a clear error, not NaN later. */
export function validateGroup(group: CoupledGroup, where: string, name: GroupName): void {
  const { width, hiddenSize: d } = group;
  const tensors = GROUP_TENSORS[name];
  if (!Number.isInteger(width) || width < 0) throw new InputError(`${where}: ${name} width must be a non-negative integer`, `got ${width}`);
  if (!Number.isInteger(d) || d < 1) throw new InputError(`${where}: hidden size must be a positive integer`, `got ${d}`);
  const expect = (label: string, array: Float32Array, length: number, shape: string) => {
    if (!(array instanceof Float32Array)) throw new InputError(`${where}: ${label} must be a Float32Array`);
    if (array.length !== length) throw new InputError(`${where}: ${label} has ${array.length} values, expected ${shape} = ${length}`);
    for (let i = 0; i < array.length; i++) {
      if (!Number.isFinite(array[i])) throw new InputError(`${where}: ${label} contains ${array[i]} at index ${i}`, 'weights must be finite numbers');
    }
  };
  expect(`${tensors.producer}.weight`, group.producerWeight, width * d, `[${width}, ${d}]`);
  expect(`${tensors.producer}.bias`, group.producerBias, width, `[${width}]`);
  expect(`${tensors.consumer}.weight`, group.consumerWeight, d * width, `[${d}, ${width}]`);
  expect(`${tensors.consumer}.bias`, group.consumerBias, d, `[${d}]`);
  if (name === 'attention') {
    const heads = (group as AttentionValueGroup).vHeadDims;
    if (!Array.isArray(heads) || heads.length === 0 || heads.some((h) => !Number.isInteger(h) || h < 0)) {
      throw new InputError(`${where}: v_head_dims must list a non-negative integer width per head`, `got ${JSON.stringify(heads)}`);
    }
    const total = heads.reduce((a, b) => a + b, 0);
    if (total !== width) throw new InputError(`${where}: v_head_dims sum to ${total}, but v_proj has ${width} rows`);
  }
}

export function validateLayer(layer: PrunableLayer, where: string): void {
  validateGroup(layer.ffn, where, 'ffn');
  validateGroup(layer.attention, where, 'attention');
  if (layer.ffn.hiddenSize !== layer.attention.hiddenSize) {
    throw new InputError(`${where}: FFN and attention disagree on the hidden size`, `${layer.ffn.hiddenSize} vs ${layer.attention.hiddenSize}`);
  }
}

/** Head of each value channel, for channels ordered head by head. */
export function headOfChannel(vHeadDims: readonly number[]): Int32Array {
  const heads = new Int32Array(vHeadDims.reduce((a, b) => a + b, 0));
  let channel = 0;
  vHeadDims.forEach((dims, head) => {
    heads.fill(head, channel, channel + dims);
    channel += dims;
  });
  return heads;
}

/** Weights plus biases of both matrices of a group. */
export function groupParamCount(group: CoupledGroup): number {
  return 2 * group.width * group.hiddenSize + group.width + group.hiddenSize;
}

export function cloneGroup<G extends CoupledGroup>(group: G): G {
  return {
    ...group,
    producerWeight: group.producerWeight.slice(),
    producerBias: group.producerBias.slice(),
    consumerWeight: group.consumerWeight.slice(),
    consumerBias: group.consumerBias.slice(),
    ...('vHeadDims' in group ? { vHeadDims: [...(group as unknown as AttentionValueGroup).vHeadDims] } : {}),
  };
}
