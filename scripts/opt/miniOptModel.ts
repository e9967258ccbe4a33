import type * as tfType from '@tensorflow/tfjs';
import { configToJson, POSITION_OFFSET, LAYER_NORM_EPS, type OptConfig } from '../../src/lib/opt/config.ts';
import type { TensorToWrite } from '../../src/lib/opt/safetensors.ts';
import type { Rng } from '../../src/lib/util/random.ts';

/**
 * The mini-OPT as a trainable tfjs graph: the same architecture as HF's OPTForCausalLM (pre-LN, learned
 * positions at offset 2, ReLU MLP, final LN, tied head), written with tfjs ops so gradients come from
 * tfjs. Linear weights are held as [in, out] because tfjs-wasm multiplies untransposed operands several
 * times faster; `exportHf` transposes them to HF's [out, in] layout.
 */
type Tf = typeof tfType;
type Tensor = tfType.Tensor;
type Variable = tfType.Variable;

export interface TrainableLayer {
  ln1Weight: Variable;
  ln1Bias: Variable;
  q: Variable; // [H, H]
  qBias: Variable;
  k: Variable;
  kBias: Variable;
  v: Variable;
  vBias: Variable;
  out: Variable;
  outBias: Variable;
  ln2Weight: Variable;
  ln2Bias: Variable;
  fc1: Variable; // [H, F]
  fc1Bias: Variable;
  fc2: Variable; // [F, H]
  fc2Bias: Variable;
}

export interface TrainableOpt {
  tokens: Variable; // [V, H]
  positions: Variable; // [P + 2, H]
  layers: TrainableLayer[];
  finalLnWeight: Variable;
  finalLnBias: Variable;
}

/** Every variable with its stable name (checkpoints and the optimizer key on it). */
export function namedVariables(model: TrainableOpt): [string, Variable][] {
  const out: [string, Variable][] = [
    ['tokens', model.tokens],
    ['positions', model.positions],
    ['finalLnWeight', model.finalLnWeight],
    ['finalLnBias', model.finalLnBias],
  ];
  model.layers.forEach((layer, l) => {
    for (const [key, value] of Object.entries(layer)) out.push([`layers.${l}.${key}`, value as Variable]);
  });
  return out;
}

/** GPT-2 style initialisation: N(0, 0.02), residual projections scaled by 1/√(2L), zero biases. */
export function initMiniOpt(tf: Tf, config: OptConfig, rng: Rng): TrainableOpt {
  const { hiddenSize: h, ffnDim: f, vocabSize, maxPositions, numLayers } = config;
  const normal = (shape: number[], std: number) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    rng.fillNormal(data, std);
    return tf.variable(tf.tensor(data, shape));
  };
  const zeros = (n: number) => tf.variable(tf.zeros([n]));
  const ones = (n: number) => tf.variable(tf.ones([n]));
  const residualStd = 0.02 / Math.sqrt(2 * numLayers);
  return {
    tokens: normal([vocabSize, h], 0.02),
    positions: normal([maxPositions + POSITION_OFFSET, h], 0.01),
    layers: Array.from({ length: numLayers }, () => ({
      ln1Weight: ones(h),
      ln1Bias: zeros(h),
      q: normal([h, h], 0.02),
      qBias: zeros(h),
      k: normal([h, h], 0.02),
      kBias: zeros(h),
      v: normal([h, h], 0.02),
      vBias: zeros(h),
      out: normal([h, h], residualStd),
      outBias: zeros(h),
      ln2Weight: ones(h),
      ln2Bias: zeros(h),
      fc1: normal([h, f], 0.02),
      fc1Bias: zeros(f),
      fc2: normal([f, h], residualStd),
      fc2Bias: zeros(h),
    })),
    finalLnWeight: ones(h),
    finalLnBias: zeros(h),
  };
}

/**
 * C = A·B with a gradient that multiplies explicitly transposed operands: tfjs-wasm's matMul with
 * transposeA/transposeB (what its own gradient uses) runs 6–15× slower than the plain product here.
 */
function mm(tf: Tf, a: Tensor, b: Tensor): Tensor {
  const body = (x: Tensor, y: Tensor, save: tfType.GradSaveFunc) => {
    save([x, y]);
    return {
      value: tf.matMul(x as tfType.Tensor2D, y as tfType.Tensor2D),
      gradFunc: (dy: Tensor, [xs, ys]: Tensor[]) => [tf.matMul(dy as tfType.Tensor2D, ys.transpose()), tf.matMul(xs.transpose(), dy as tfType.Tensor2D)],
    };
  };
  const product = tf.customGrad(body as unknown as Parameters<Tf["customGrad"]>[0]) as (x: Tensor, y: Tensor) => Tensor;
  return product(a, b);
}

function layerNorm(tf: Tf, x: Tensor, weight: Tensor, bias: Tensor): Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).mul(tf.rsqrt(variance.add(LAYER_NORM_EPS))).mul(weight).add(bias);
}

/**
 * Token embedding lookup whose gradient is a scatter-add done in JS: tf.gather's own gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks (DESIGN §5), and a one-hot matmul costs V·H per token.
 */
function embedTokens(tf: Tf, table: Variable, ids: Int32Array): Tensor {
  const [vocab, width] = table.shape;
  const lookup = tf.customGrad(((t: Tensor) => {
    const value = tf.gather(t as tfType.Tensor2D, tf.tensor1d(ids, 'int32'));
    const gradFunc = (dy: Tensor) => {
      const upstream = dy.dataSync() as Float32Array; // [N, H]
      const grad = new Float32Array(vocab * width);
      for (let i = 0; i < ids.length; i++) {
        const row = ids[i] * width;
        for (let c = 0; c < width; c++) grad[row + c] += upstream[i * width + c];
      }
      return tf.tensor2d(grad, [vocab, width]);
    };
    return { value, gradFunc };
  }) as unknown as Parameters<Tf["customGrad"]>[0]);
  return lookup(table);
}

/** Mean next-token cross-entropy (nats) of `batch` windows of `seqLen + 1` ids each. */
export function lossOf(tf: Tf, model: TrainableOpt, config: OptConfig, windows: Int32Array, batch: number, seqLen: number): tfType.Scalar {
  const { hiddenSize: h, numHeads, headDim } = config;
  const inputs = new Int32Array(batch * seqLen);
  const targets = new Int32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) {
    inputs.set(windows.subarray(b * (seqLen + 1), b * (seqLen + 1) + seqLen), b * seqLen);
    targets.set(windows.subarray(b * (seqLen + 1) + 1, (b + 1) * (seqLen + 1)), b * seqLen);
  }
  const positions = model.positions.slice([POSITION_OFFSET, 0], [seqLen, h]); // [T, H]
  let x = embedTokens(tf, model.tokens, inputs).reshape([batch, seqLen, h]).add(positions).reshape([batch * seqLen, h]);
  const maskData = new Float32Array(seqLen * seqLen);
  for (let i = 0; i < seqLen; i++) for (let j = i + 1; j < seqLen; j++) maskData[i * seqLen + j] = -1e9;
  const causalMask = tf.tensor2d(maskData, [seqLen, seqLen]);
  const scale = 1 / Math.sqrt(headDim);
  for (const layer of model.layers) {
    const normed = layerNorm(tf, x, layer.ln1Weight, layer.ln1Bias);
    const q = mm(tf, normed, layer.q).add(layer.qBias).mul(scale); // [B·T, H]
    const k = mm(tf, normed, layer.k).add(layer.kBias);
    const v = mm(tf, normed, layer.v).add(layer.vBias);
    // Per (sequence, head) 2-D products: tfjs-wasm's batched matMul is ~4× slower than separate ones.
    const rows = (t: Tensor) => tf.split(t, batch, 0); // B × [T, H]
    const [qs, ks, vs] = [rows(q), rows(k), rows(v)];
    const contexts: Tensor[] = [];
    for (let b = 0; b < batch; b++) {
      const [qh, kh, vh] = [qs[b], ks[b], vs[b]].map((t) => tf.split(t, numHeads, 1)); // nh × [T, hd]
      const heads = qh.map((qi, i) => mm(tf, tf.softmax(mm(tf, qi, kh[i].transpose()).add(causalMask), -1), vh[i]));
      contexts.push(tf.concat(heads, 1)); // [T, H]
    }
    const context = tf.concat(contexts, 0); // [B·T, H]
    x = x.add(mm(tf, context, layer.out).add(layer.outBias));
    const hidden = tf.relu(mm(tf, layerNorm(tf, x, layer.ln2Weight, layer.ln2Bias), layer.fc1).add(layer.fc1Bias));
    x = x.add(mm(tf, hidden, layer.fc2).add(layer.fc2Bias));
  }
  const final = layerNorm(tf, x, model.finalLnWeight, model.finalLnBias);
  const logits = mm(tf, final, model.tokens.transpose()); // [N, V]
  return crossEntropy(tf, logits, targets);
}

/**
 * Mean softmax cross-entropy of logits [N, V] against target ids, computed in JS with its gradient
 * (softmax − onehot)/N: tfjs-wasm's softmaxCrossEntropy and its gradient took most of a training step.
 */
function crossEntropy(tf: Tf, logits: Tensor, targets: Int32Array): tfType.Scalar {
  const [rows, vocab] = logits.shape;
  const loss = tf.customGrad(((x: Tensor) => {
    const values = x.dataSync() as Float32Array;
    const grad = new Float32Array(values.length);
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const offset = r * vocab;
      let max = -Infinity;
      for (let j = 0; j < vocab; j++) max = Math.max(max, values[offset + j]);
      let sum = 0;
      for (let j = 0; j < vocab; j++) {
        const e = Math.exp(values[offset + j] - max);
        grad[offset + j] = e;
        sum += e;
      }
      total += Math.log(sum) + max - values[offset + targets[r]];
      const scale = 1 / (sum * rows);
      for (let j = 0; j < vocab; j++) grad[offset + j] *= scale;
      grad[offset + targets[r]] -= 1 / rows;
    }
    return {
      value: tf.scalar(total / rows),
      gradFunc: (dy: Tensor) => tf.tensor2d(grad, [rows, vocab]).mul(dy),
    };
  }) as unknown as Parameters<Tf["customGrad"]>[0]) as (x: Tensor) => tfType.Scalar;
  return loss(logits);
}

/** HF tensor names and [out, in] layouts for the safetensors export. */
export function exportHf(model: TrainableOpt): Record<string, TensorToWrite> {
  const read = (v: Tensor): TensorToWrite => ({ shape: v.shape, data: v.dataSync() as Float32Array });
  const readT = (v: Tensor): TensorToWrite => {
    const transposed = v.transpose();
    const out = { shape: transposed.shape, data: transposed.dataSync() as Float32Array };
    transposed.dispose();
    return out;
  };
  const prefix = 'model.decoder';
  const tensors: Record<string, TensorToWrite> = {
    [`${prefix}.embed_tokens.weight`]: read(model.tokens),
    [`${prefix}.embed_positions.weight`]: read(model.positions),
  };
  model.layers.forEach((layer, l) => {
    const p = `${prefix}.layers.${l}`;
    tensors[`${p}.self_attn_layer_norm.weight`] = read(layer.ln1Weight);
    tensors[`${p}.self_attn_layer_norm.bias`] = read(layer.ln1Bias);
    for (const [name, weight, bias] of [
      ['q_proj', layer.q, layer.qBias],
      ['k_proj', layer.k, layer.kBias],
      ['v_proj', layer.v, layer.vBias],
      ['out_proj', layer.out, layer.outBias],
    ] as const) {
      tensors[`${p}.self_attn.${name}.weight`] = readT(weight);
      tensors[`${p}.self_attn.${name}.bias`] = read(bias);
    }
    tensors[`${p}.final_layer_norm.weight`] = read(layer.ln2Weight);
    tensors[`${p}.final_layer_norm.bias`] = read(layer.ln2Bias);
    tensors[`${p}.fc1.weight`] = readT(layer.fc1);
    tensors[`${p}.fc1.bias`] = read(layer.fc1Bias);
    tensors[`${p}.fc2.weight`] = readT(layer.fc2);
    tensors[`${p}.fc2.bias`] = read(layer.fc2Bias);
  });
  tensors[`${prefix}.final_layer_norm.weight`] = read(model.finalLnWeight);
  tensors[`${prefix}.final_layer_norm.bias`] = read(model.finalLnBias);
  return tensors;
}

export { configToJson };
