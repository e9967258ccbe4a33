import { InputError } from '../errors.ts';
import { LAYER_NORM_EPS, POSITION_OFFSET } from '../opt/config.ts';
import type { Linear } from '../opt/weights.ts';
import type { SlicedOptModel } from '../pruning/slicegpt/slicedModel.ts';
import { INPUT_NAME, ONNX_IR_VERSION, ONNX_OPSET, OUTPUT_NAME, PROTOBUF_LIMIT_BYTES } from './onnxExport.ts';
import { OnnxGraphBuilder, tensorValueInfo } from './onnxGraphBuilder.ts';
import { onnx } from './onnxProto.ts';

/**
 * A SliceGPT model (src/lib/pruning/slicegpt) as an ONNX graph with the same interface as the OPT export
 * (input_ids int64 [batch, sequence] → logits float32 [batch, sequence, vocab]), following
 * slicedModel.ts line by line:
 *   x = E'[ids] + P'[t + 2]                                   [B·T, d']
 *   per layer: x = x·S_attn + out_proj(attention(RMSN(x)));  x = x·S_mlp + fc2(ReLU(fc1(RMSN(x))))
 *   logits = RMSN(x)·W_headᵀ + b_head
 * RMSN(x) = x / √(ReduceSumSquare(x)/d + ε) with d the unsliced hidden size; the shortcuts are MatMuls
 * with the d'×d' rotation matrices. Heads must keep every value channel (SliceGPT prunes none).
 */
const MASKED_SCORE = -3.4028234663852886e38;

export interface SlicedOnnxExport {
  bytes: Uint8Array;
  nodes: number;
  initializerBytes: number;
}

export function buildSlicedOnnxModel(model: SlicedOptModel, label = 'a SliceGPT model'): SlicedOnnxExport {
  const { config, slicedDim: D } = model;
  const { numHeads, headDim, vocabSize } = config;
  if (config.vHeadDims.some((heads) => heads.some((w) => w !== headDim))) {
    throw new InputError('The ONNX export of a sliced model needs every head to keep all value channels', 'slice a model that was not pruned by heads or channels');
  }
  const bytesNeeded = 4 * (model.embedTokens.length + model.lmHead.length + model.embedPositions.length) + 4 * model.layers.length * (D * D * 2 + 4 * D * config.hiddenSize + 2 * D * config.ffnDim);
  if (bytesNeeded > PROTOBUF_LIMIT_BYTES) throw new InputError('The sliced model is too large for a single ONNX file', 'ONNX files cannot exceed 2 GiB');

  const b = new OnnxGraphBuilder([INPUT_NAME, OUTPUT_NAME]);
  const batchSeq = b.op('Shape', [INPUT_NAME], {}, 'batch_seq');
  const seqLen = b.op('Gather', [batchSeq, b.int64('one', [1], [])], { axis: 0 }, 'seq_len'); // scalar
  const steps = b.op('Range', [b.int64('zero', [0], []), seqLen, b.int64('step', [1], [])], {}, 'steps'); // [T]
  const future = b.op('Greater', [b.op('Unsqueeze', [steps, b.int64('axis0', [0])], {}, 'key_index'), b.op('Unsqueeze', [steps, b.int64('axis1', [1])], {}, 'query_index')], {}, 'future'); // [T, T]
  const causalMask = b.op('Where', [future, b.floatScalar('masked_score', MASKED_SCORE), b.floatScalar('zero_score', 0)], {}, 'causal_mask'); // [T, T]
  const shapeWith = (tail: number[]) => b.op('Concat', [batchSeq, b.int64(`tail_${tail.join('x')}`, tail)], { axis: 0 }, 'shape_bt'); // [B, T, ...tail]
  const rows = (width: number) => b.int64(`shape_rows_${width}`, [-1, width]);
  const headShape = shapeWith([numHeads, headDim]);

  // Embeddings.
  const flatIds = b.op('Reshape', [INPUT_NAME, b.int64('shape_flat', [-1])], {}, 'flat_ids'); // [B·T]
  const tokens = b.op('Gather', [b.float('embed_tokens', [vocabSize, D], model.embedTokens), flatIds], { axis: 0 }, 'tokens'); // [B·T, d']
  const offset = b.int64('position_offset', [POSITION_OFFSET], []);
  const positions = b.op('Range', [offset, b.op('Add', [seqLen, offset], {}, 'position_end'), b.int64('position_step', [1], [])], {}, 'positions'); // [T]
  const positionRows = b.op('Gather', [b.float('embed_positions', [config.maxPositions + POSITION_OFFSET, D], model.embedPositions), positions], { axis: 0 }, 'position_rows'); // [T, d']
  const embedded = b.op('Add', [b.op('Reshape', [tokens, shapeWith([D])], {}, 'tokens_btd'), positionRows], {}, 'embedded'); // [B, T, d']
  let x = b.op('Reshape', [embedded, rows(D)], {}, 'hidden'); // [B·T, d']

  const inverseWidth = b.floatScalar('inverse_hidden_size', 1 / config.hiddenSize);
  const eps = b.floatScalar('rms_eps', LAYER_NORM_EPS);
  const rmsNorm = (input: string) => {
    const meanSquare = b.op('Mul', [b.op('ReduceSumSquare', [input], { axes: [1], keepdims: 1 }, 'sum_sq'), inverseWidth], {}, 'mean_sq'); // [B·T, 1]
    return b.op('Div', [input, b.op('Sqrt', [b.op('Add', [meanSquare, eps], {}, 'var_eps')], {}, 'rms')], {}, 'rms_normed'); // [B·T, d']
  };
  const linear = (input: string, name: string, layer: Linear, scale = 1) => {
    const weight = scale === 1 ? layer.weight : layer.weight.map((v) => v * scale);
    const inputs = [input, b.float(`${name}.weight`, [layer.outFeatures, layer.inFeatures], weight)];
    if (layer.bias) inputs.push(b.float(`${name}.bias`, [layer.outFeatures], scale === 1 ? layer.bias : layer.bias.map((v) => v * scale)));
    return b.op('Gemm', inputs, { transB: 1 }, name.split('.').pop()!);
  };
  const toHeads = (input: string, perm: number[], name: string) => b.op('Transpose', [b.op('Reshape', [input, headShape], {}, `${name}_bthd`)], { perm }, name);

  model.layers.forEach((layer, l) => {
    const p = `layers.${l}`;
    const h = rmsNorm(x);
    const q = toHeads(linear(h, `${p}.q_proj`, layer.qProj, 1 / Math.sqrt(headDim)), [0, 2, 1, 3], 'q'); // [B, H, T, hd]
    const kT = toHeads(linear(h, `${p}.k_proj`, layer.kProj), [0, 2, 3, 1], 'k_t'); // [B, H, hd, T]
    const v = toHeads(linear(h, `${p}.v_proj`, layer.vProj), [0, 2, 1, 3], 'v'); // [B, H, T, hd]
    const probs = b.op('Softmax', [b.op('Add', [b.op('MatMul', [q, kT], {}, 'scores'), causalMask], {}, 'masked_scores')], { axis: -1 }, 'probs'); // [B, H, T, T]
    const context = b.op('Reshape', [b.op('Transpose', [b.op('MatMul', [probs, v], {}, 'context_bhtd')], { perm: [0, 2, 1, 3] }, 'context_bthd'), rows(numHeads * headDim)], {}, 'context'); // [B·T, H·hd]
    const attnOut = linear(context, `${p}.out_proj`, layer.outProj); // [B·T, d']
    x = b.op('Add', [b.op('MatMul', [x, b.float(`${p}.attn_shortcut`, [D, D], layer.attnShortcut)], {}, 'shortcut'), attnOut], {}, 'residual'); // [B·T, d']
    const f = b.op('Relu', [linear(rmsNorm(x), `${p}.fc1`, layer.fc1)], {}, 'relu'); // [B·T, F]
    x = b.op('Add', [b.op('MatMul', [x, b.float(`${p}.mlp_shortcut`, [D, D], layer.mlpShortcut)], {}, 'shortcut'), linear(f, `${p}.fc2`, layer.fc2)], {}, 'residual'); // [B·T, d']
  });
  const logits = b.op('Gemm', [rmsNorm(x), b.float('lm_head.weight', [vocabSize, D], model.lmHead), b.float('lm_head.bias', [vocabSize], model.lmHeadBias)], { transB: 1 }, 'logits_2d'); // [B·T, V]
  b.opTo(OUTPUT_NAME, 'Reshape', [logits, shapeWith([vocabSize])]); // [B, T, V]

  const { FLOAT, INT64 } = onnx.TensorProto.DataType;
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'paperlab',
    producerVersion: '1',
    docString: `OPT sliced by SliceGPT to a residual width of ${D} of ${config.hiddenSize}, from ${label}`,
    graph: onnx.GraphProto.create({
      name: 'opt_slicegpt',
      node: b.nodes,
      initializer: b.initializers,
      input: [tensorValueInfo(INPUT_NAME, INT64, ['batch', 'sequence'])],
      output: [tensorValueInfo(OUTPUT_NAME, FLOAT, ['batch', 'sequence', vocabSize])],
    }),
  });
  return { bytes: onnx.ModelProto.encode(proto).finish(), nodes: b.nodes.length, initializerBytes: b.initializerBytes };
}
