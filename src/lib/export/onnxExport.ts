import type { CancelFlag } from '../cancel.ts';
import { InputError } from '../errors.ts';
import { hasProjections, LAYER_NORM_EPS, POSITION_OFFSET, type OptConfig } from '../opt/config.ts';
import { expectedTensors, type LayerNormParams, type Linear, type OptLayerWeights } from '../opt/weights.ts';
import { checkWeightsMatchConfig, type ExportableModel } from './exportableModel.ts';
import { groupHeadsByValueWidth, headsInGroupOrder, valueChannelsInGroupOrder, type HeadGroup } from './headGroups.ts';
import { OnnxGraphBuilder, tensorValueInfo } from './onnxGraphBuilder.ts';
import { padHeadsToLayerMax } from './widthChanges.ts';
import { onnx } from './onnxProto.ts';

/**
 * OPTForCausalLM's forward pass as an ONNX graph (Zhang et al. 2022; HF `modeling_opt.py`), pruned
 * widths included: input_ids int64 [batch, sequence] → logits float32 [batch, sequence, vocab].
 *
 * The graph follows the same semantics as our runtime (src/lib/opt/reference.ts):
 *   token embedding (+ project_in) + learned positions at index t + 2 (t from a Range over the sequence)
 *   per layer: [LN] → q, k, v (biases; q scaled by head_dim^-½) → causal softmax attention → out_proj
 *              → residual → [LN] → fc1 → ReLU → fc2 → residual, LN before (pre-LN) or after (post-LN)
 *   final LN (pre-LN models) → project_out → tied LM head (the token embedding, transposed by Gemm).
 * Hidden states are kept 2-D [batch·sequence, hidden] so every linear layer is one Gemm with
 * transB = 1 on the weight in HF layout [out, in]; attention reshapes to [batch, heads, sequence, ·].
 *
 * Heads with different value widths (issue #4): heads are grouped by value width (headGroups.ts), and
 * each group is an ordinary multi-head attention whose queries and keys keep head_dim and whose values
 * have the group's width. v_proj's rows and out_proj's columns are permuted into group order (the same
 * permutation on both sides leaves the layer's output unchanged), so every group's values are one
 * contiguous block of a single fused q/k/v Gemm, split once. Heads that kept no value channels form
 * no group: their probabilities would multiply nothing, so their q and k rows are dropped too. With
 * `headLayout: 'padded'` a layer's heads are first padded to one width, giving one group. A layer
 * whose every head (or whose FFN) has width 0 reduces to adding the consumer's bias.
 *
 * Deviations from HF that change no result beyond float rounding: the 1/√head_dim scale is folded
 * into q_proj's weight and bias, and q, k, v come from one fused Gemm.
 *
 * Size: weights are initializers inside the protobuf, which cannot exceed 2 GiB; larger models are
 * refused with an InputError (that is about 500M float32 parameters, beyond what the app's CPU path
 * holds anyway).
 */
export const ONNX_OPSET = 17; // LayerNormalization is an opset-17 op
export const ONNX_IR_VERSION = 8; // the IR version of opsets 17–18
export const PROTOBUF_LIMIT_BYTES = 2 ** 31 - 1;
/** Room left for the graph's nodes, names and shape constants. */
const GRAPH_OVERHEAD_BYTES = 1 << 20;
/** HF's additive causal mask uses the dtype's lowest value (torch.finfo(float32).min). */
const MASKED_SCORE = -3.4028234663852886e38;
export const INPUT_NAME = 'input_ids';
export const OUTPUT_NAME = 'logits';

/**
 * How heads with different value widths are laid out: 'grouped' (default) keeps every head's exact
 * width, one attention block per distinct width in a layer; 'padded' first pads each layer's non-empty
 * heads with zero value channels to the layer's widest one (widthChanges.padHeadsToLayerMax), so a
 * layer is one attention block. Both compute the same logits; grouping does fewer value multiply-adds,
 * padding has fewer graph nodes (~14 per extra group). bench:export times both; on our loaded 2-core
 * machine neither was consistently faster. The FFN and heads that kept nothing are pruned either way.
 */
export type HeadLayout = 'padded' | 'grouped';

export interface OnnxExportOptions {
  headLayout?: HeadLayout;
  /** Refuse models whose serialized size would exceed this (default: protobuf's 2 GiB limit). */
  maxModelBytes?: number;
  /** Called after each decoder layer is added. */
  onProgress?: (done: number, total: number) => void;
  cancel?: CancelFlag;
}

export interface OnnxExport {
  /** The serialized ModelProto (an `.onnx` file). */
  bytes: Uint8Array;
  nodes: number;
  initializerBytes: number;
  /** Per layer, the head groups' value widths and head counts (what the graph batches together). */
  headGroups: HeadGroup[][];
}

/** An upper bound on the serialized size: every parameter as float32, plus the graph. */
export function estimateOnnxBytes(config: OptConfig): number {
  const parameters = expectedTensors(config).reduce((sum, { shape }) => sum + shape.reduce((a, b) => a * b, 1), 0);
  return 4 * (parameters + (config.layerNormAffine ? 0 : config.hiddenSize)) + GRAPH_OVERHEAD_BYTES;
}

export function checkOnnxSize(config: OptConfig, maxModelBytes = PROTOBUF_LIMIT_BYTES): void {
  const bytes = estimateOnnxBytes(config);
  if (bytes > maxModelBytes) {
    throw new InputError(
      `The model is too large for a single ONNX file: about ${(bytes / 2 ** 30).toFixed(2)} GiB of float32 weights, above the ${(maxModelBytes / 2 ** 30).toFixed(2)} GiB limit`,
      'ONNX files are protobuf messages, which cannot exceed 2 GiB; export safetensors instead, or prune the model further',
    );
  }
}

/** Rows `rows` (in that order) of a row-major [·, cols] matrix, each multiplied by `scale`. */
function takeRows(matrix: Float32Array, cols: number, rows: ArrayLike<number>, scale = 1): Float32Array {
  const out = new Float32Array(rows.length * cols);
  for (let r = 0; r < rows.length; r++) {
    const source = matrix.subarray(rows[r] * cols, (rows[r] + 1) * cols);
    if (scale === 1) out.set(source, r * cols);
    else for (let c = 0; c < cols; c++) out[r * cols + c] = source[c] * scale;
  }
  return out;
}

/** Columns `cols` (in that order) of a row-major [rows, width] matrix. */
function takeColumns(matrix: Float32Array, rows: number, width: number, cols: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows * cols.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols.length; c++) out[r * cols.length + c] = matrix[r * width + cols[c]];
  return out;
}

function headRows(heads: readonly number[], headDim: number): Int32Array {
  return Int32Array.from(heads.flatMap((h) => Array.from({ length: headDim }, (_, d) => h * headDim + d)));
}

/** The OPT graph, built node by node in forward order. */
class OptGraph {
  readonly b = new OnnxGraphBuilder([INPUT_NAME, OUTPUT_NAME]);
  /** int64 [2]: (batch, sequence) of input_ids, for every reshape that needs them. */
  private readonly batchSeq: string;
  /** int64 scalar: the sequence length. */
  private readonly seqLen: string;
  private readonly causalMask: string;
  private readonly shapes = new Map<string, string>();
  private onesScale: string | undefined;
  private tokenTable = '';

  constructor(private readonly config: OptConfig) {
    const b = this.b;
    this.batchSeq = b.op('Shape', [INPUT_NAME], {}, 'batch_seq');
    this.seqLen = b.op('Gather', [this.batchSeq, b.int64('one', [1], [])], { axis: 0 }, 'seq_len'); // scalar
    // Causal mask [T, T]: 0 where key j ≤ query i, the lowest float elsewhere.
    const steps = b.op('Range', [b.int64('zero', [0], []), this.seqLen, b.int64('step', [1], [])], {}, 'steps'); // [T]
    const future = b.op('Greater', [b.op('Unsqueeze', [steps, b.int64('axis0', [0])], {}, 'key_index'), b.op('Unsqueeze', [steps, b.int64('axis1', [1])], {}, 'query_index')], {}, 'future'); // [T, T]
    this.causalMask = b.op('Where', [future, b.floatScalar('masked_score', MASKED_SCORE), b.floatScalar('zero_score', 0)], {}, 'causal_mask'); // [T, T]
  }

  /** int64 shape (batch, sequence, ...tail), built once per tail. */
  private shapeWith(tail: readonly number[]): string {
    const key = tail.join(',');
    let name = this.shapes.get(key);
    if (!name) {
      name = this.b.op('Concat', [this.batchSeq, this.b.int64(`tail_${tail.join('x')}`, tail)], { axis: 0 }, `shape_bt_${tail.join('x')}`);
      this.shapes.set(key, name);
    }
    return name;
  }

  private flatShape(width: number): string {
    return this.b.int64(`shape_rows_${width}`, [-1, width]);
  }

  /** Token embedding (+ project_in) + learned positions → [B·T, H]. */
  embed(embedTokens: Float32Array, embedPositions: Float32Array, projectIn: Float32Array | null): string {
    const { b, config } = this;
    const H = config.hiddenSize;
    const Dw = config.wordEmbedProjDim;
    const table = (this.tokenTable = b.float('model.decoder.embed_tokens.weight', [config.vocabSize, Dw], embedTokens));
    const flatIds = b.op('Reshape', [INPUT_NAME, b.int64('shape_flat', [-1])], {}, 'flat_ids'); // [B·T]
    let tokens = b.op('Gather', [table, flatIds], { axis: 0 }, 'token_embeddings'); // [B·T, Dw]
    if (projectIn) tokens = b.op('Gemm', [tokens, b.float('model.decoder.project_in.weight', [H, Dw], projectIn)], { transB: 1 }, 'projected_in'); // [B·T, H]
    const offset = b.int64('position_offset', [POSITION_OFFSET], []);
    const positions = b.op('Range', [offset, b.op('Add', [this.seqLen, offset], {}, 'position_end'), b.int64('position_step', [1], [])], {}, 'positions'); // [T]
    const positionTable = b.float('model.decoder.embed_positions.weight', [config.maxPositions + POSITION_OFFSET, H], embedPositions);
    const positionEmbeddings = b.op('Gather', [positionTable, positions], { axis: 0 }, 'position_embeddings'); // [T, H]
    const summed = b.op('Add', [b.op('Reshape', [tokens, this.shapeWith([H])], {}, 'tokens_btd'), positionEmbeddings], {}, 'embedded'); // [B, T, H]
    return b.op('Reshape', [summed, this.flatShape(H)], {}, 'hidden'); // [B·T, H]
  }

  layerNorm(x: string, params: LayerNormParams, prefix: string): string {
    const { b, config } = this;
    const H = config.hiddenSize;
    const inputs = params.weight
      ? [x, b.float(`${prefix}.weight`, [H], params.weight), ...(params.bias ? [b.float(`${prefix}.bias`, [H], params.bias)] : [])]
      : [x, (this.onesScale ??= b.float('layer_norm_unit_scale', [H], new Float32Array(H).fill(1)))];
    return b.op('LayerNormalization', inputs, { axis: -1, epsilon: { float: LAYER_NORM_EPS } }, 'layer_norm'); // [B·T, H]
  }

  /** x · Wᵀ + b for a weight in HF layout [out, in] (rows/columns already selected). */
  linear(x: string, name: string, weight: Float32Array, shape: [number, number], bias: Float32Array | null, output: string): string {
    const b = this.b;
    const inputs = [x, b.float(`${name}.weight`, shape, weight)];
    if (bias) inputs.push(b.float(`${name}.bias`, [shape[0]], bias));
    return b.op('Gemm', inputs, { transB: 1 }, output);
  }

  /** Adds `bias` (or nothing) to x: what a block of width 0 contributes. */
  private addBias(x: string, bias: Float32Array | null, name: string): string {
    return bias ? this.b.op('Add', [x, this.b.float(name, [bias.length], bias)], {}, 'residual') : x;
  }

  /** Self-attention of layer l on its (normed) input → out_proj's output [B·T, H], residual not added. */
  attention(x: string, l: number, layer: OptLayerWeights): string | null {
    const { b, config } = this;
    const { hiddenSize: H, headDim } = config;
    const p = `model.decoder.layers.${l}.self_attn`;
    const groups = groupHeadsByValueWidth(config.vHeadDims[l]);
    if (groups.length === 0) return null;
    const liveHeads = headsInGroupOrder(groups);
    const qkRows = headRows(liveHeads, headDim);
    const valueOrder = valueChannelsInGroupOrder(config.vHeadDims[l], groups);
    const vDim = valueOrder.length;

    // One Gemm for q (scaled), k and v of the live heads, rows in group order: [qkRows + qkRows + vDim, H].
    const scale = 1 / Math.sqrt(headDim);
    const fusedRows = 2 * qkRows.length + vDim;
    const weight = new Float32Array(fusedRows * H);
    weight.set(takeRows(layer.qProj.weight, H, qkRows, scale), 0);
    weight.set(takeRows(layer.kProj.weight, H, qkRows), qkRows.length * H);
    weight.set(takeRows(layer.vProj.weight, H, valueOrder), 2 * qkRows.length * H);
    let bias: Float32Array | null = null;
    if (layer.qProj.bias && layer.kProj.bias && layer.vProj.bias) {
      bias = new Float32Array(fusedRows);
      bias.set(takeRows(layer.qProj.bias, 1, qkRows, scale), 0);
      bias.set(takeRows(layer.kProj.bias, 1, qkRows), qkRows.length);
      bias.set(takeRows(layer.vProj.bias, 1, valueOrder), 2 * qkRows.length);
    }
    const qkv = this.linear(x, `${p}.qkv_proj`, weight, [fusedRows, H], bias, 'qkv'); // [B·T, fusedRows]
    const sizes = [...groups.map((g) => g.heads.length * headDim), ...groups.map((g) => g.heads.length * headDim), ...groups.map((g) => g.heads.length * g.valueWidth)];
    const parts = b.opMulti('Split', [qkv, b.int64(`${p}.split_sizes`, sizes)], sizes.length, { axis: 1 }, 'qkv_part');

    const contexts = groups.map((group, g) => {
      const n = group.heads.length;
      const w = group.valueWidth;
      const q = b.op('Transpose', [b.op('Reshape', [parts[g], this.shapeWith([n, headDim])], {}, 'q_bthd')], { perm: [0, 2, 1, 3] }, 'q'); // [B, n, T, hd]
      const kT = b.op('Transpose', [b.op('Reshape', [parts[groups.length + g], this.shapeWith([n, headDim])], {}, 'k_bthd')], { perm: [0, 2, 3, 1] }, 'k_t'); // [B, n, hd, T]
      const v = b.op('Transpose', [b.op('Reshape', [parts[2 * groups.length + g], this.shapeWith([n, w])], {}, 'v_bthw')], { perm: [0, 2, 1, 3] }, 'v'); // [B, n, T, w]
      const scores = b.op('Add', [b.op('MatMul', [q, kT], {}, 'scores'), this.causalMask], {}, 'masked_scores'); // [B, n, T, T]
      const probs = b.op('Softmax', [scores], { axis: -1 }, 'probs'); // [B, n, T, T]
      const context = b.op('Transpose', [b.op('MatMul', [probs, v], {}, 'context_bnth')], { perm: [0, 2, 1, 3] }, 'context_btnw'); // [B, T, n, w]
      return b.op('Reshape', [context, this.flatShape(n * w)], {}, 'context'); // [B·T, n·w]
    });
    const context = contexts.length === 1 ? contexts[0] : b.op('Concat', contexts, { axis: 1 }, 'context'); // [B·T, vDim] in group order
    const outWeight = takeColumns(layer.outProj.weight, H, config.vDims[l], valueOrder); // [H, vDim]
    return this.linear(context, `${p}.out_proj`, outWeight, [H, vDim], layer.outProj.bias, 'attn_out'); // [B·T, H]
  }

  /** fc2(ReLU(fc1(x))) → [B·T, H], or null when the layer kept no FFN channels. */
  feedForward(x: string, l: number, fc1: Linear, fc2: Linear): string | null {
    const { b, config } = this;
    const F = config.ffnDims[l];
    if (F === 0) return null;
    const p = `model.decoder.layers.${l}`;
    const hidden = b.op('Relu', [this.linear(x, `${p}.fc1`, fc1.weight, [F, config.hiddenSize], fc1.bias, 'fc1')], {}, 'relu'); // [B·T, F]
    return this.linear(hidden, `${p}.fc2`, fc2.weight, [config.hiddenSize, F], fc2.bias, 'fc2'); // [B·T, H]
  }

  layer(x: string, l: number, layer: OptLayerWeights): string {
    const { b, config } = this;
    const preLn = config.doLayerNormBefore;
    const p = `model.decoder.layers.${l}`;
    const attnIn = preLn ? this.layerNorm(x, layer.selfAttnLayerNorm, `${p}.self_attn_layer_norm`) : x;
    const attnOut = this.attention(attnIn, l, layer);
    let h = attnOut ? b.op('Add', [x, attnOut], {}, 'residual') : this.addBias(x, layer.outProj.bias, `${p}.self_attn.out_proj.bias`); // [B·T, H]
    if (!preLn) h = this.layerNorm(h, layer.selfAttnLayerNorm, `${p}.self_attn_layer_norm`);
    const mlpIn = preLn ? this.layerNorm(h, layer.finalLayerNorm, `${p}.final_layer_norm`) : h;
    const mlpOut = this.feedForward(mlpIn, l, layer.fc1, layer.fc2);
    let out = mlpOut ? b.op('Add', [h, mlpOut], {}, 'residual') : this.addBias(h, layer.fc2.bias, `${p}.fc2.bias`); // [B·T, H]
    if (!preLn) out = this.layerNorm(out, layer.finalLayerNorm, `${p}.final_layer_norm`);
    return out;
  }

  /** Final LN, project_out and the tied head → logits [B, T, vocab]. */
  head(x: string, finalLayerNorm: LayerNormParams | null, projectOut: Float32Array | null): string {
    const { b, config } = this;
    let h = finalLayerNorm ? this.layerNorm(x, finalLayerNorm, 'model.decoder.final_layer_norm') : x;
    if (projectOut) h = b.op('Gemm', [h, b.float('model.decoder.project_out.weight', [config.wordEmbedProjDim, config.hiddenSize], projectOut)], { transB: 1 }, 'projected_out'); // [B·T, Dw]
    // Tied LM head: Gemm reads the token table itself, transposed, so the graph stores it once.
    const logits = b.op('Gemm', [h, this.tokenTable], { transB: 1 }, 'logits_2d'); // [B·T, V]
    return b.opTo(OUTPUT_NAME, 'Reshape', [logits, this.shapeWith([config.vocabSize])]); // [B, T, V]
  }
}

/** Builds the ONNX model of `model` (dense or pruned). Throws InputError when it cannot be one file. */
export function buildOnnxModel(model: ExportableModel, options: OnnxExportOptions = {}): OnnxExport {
  checkOnnxSize(model.config, options.maxModelBytes);
  checkWeightsMatchConfig(model.config, model.weights);
  const { config, weights } = options.headLayout === 'padded' ? padHeadsToLayerMax(model) : model;
  const graph = new OptGraph(config);
  let x = graph.embed(weights.embedTokens, weights.embedPositions, hasProjections(config) ? weights.projectIn : null);
  weights.layers.forEach((layer, l) => {
    options.cancel?.throwIfCancelled();
    x = graph.layer(x, l, layer);
    options.onProgress?.(l + 1, config.numLayers);
  });
  graph.head(x, weights.finalLayerNorm, hasProjections(config) ? weights.projectOut : null);

  const { FLOAT, INT64 } = onnx.TensorProto.DataType;
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'paperlab',
    producerVersion: '1',
    docString: `OPTForCausalLM exported from ${model.label}${config.vDims.some((v) => v !== config.hiddenSize) || config.ffnDims.some((f) => f !== config.ffnDim) ? ' (structurally pruned)' : ''}`,
    graph: onnx.GraphProto.create({
      name: 'opt_for_causal_lm',
      node: graph.b.nodes,
      initializer: graph.b.initializers,
      input: [tensorValueInfo(INPUT_NAME, INT64, ['batch', 'sequence'])],
      output: [tensorValueInfo(OUTPUT_NAME, FLOAT, ['batch', 'sequence', config.vocabSize])],
    }),
  });
  const bytes = onnx.ModelProto.encode(proto).finish();
  return {
    bytes,
    nodes: graph.b.nodes.length,
    initializerBytes: graph.b.initializerBytes,
    headGroups: config.vHeadDims.map((widths) => groupHeadsByValueWidth(widths)),
  };
}
