import type * as TfCore from '@tensorflow/tfjs';
import { Rng } from '../util/random.ts';
import type { Sheet } from './sheet.ts';

/**
 * The three decoders of the lab, one network for every subject (uniform processing: same input, same
 * weights, no per-subject head), each mapping a z-scored response vector [V] to an embedding [d] that
 * the CLIP-style loss (train.ts) aligns with the stimulus features. Parameters are tf.Variables
 * initialised from the seeded Rng, so a seed gives the same network on every backend.
 *   mlp:          x → ReLU(x W₁ + b₁) W₂ + b₂                                   (V → 128 → d)
 *   cnn:          the sheet as an image [H, W, 1] → conv 5×5/2 (8) → ReLU → conv 3×3/2 (16) → ReLU → dense
 *                 (a 1-D strip uses 1×9/4 and 1×5/4 kernels)
 *   transformer:  the sheet cut into 4×4 patches (16-voxel runs on a strip) → linear patch embedding (D = 32)
 *                 + learned positions → one pre-LN block (2-head self-attention, MLP 64) → LN → the
 *                 tokens flattened → dense
 */
export type Tf = typeof TfCore;
export type Arch = 'mlp' | 'cnn' | 'transformer';
export const ARCHS: readonly Arch[] = ['mlp', 'cnn', 'transformer'];

export interface DecoderSpec {
  arch: Arch;
  sheet: Sheet;
  outDim: number;
  seed: number;
}

type ParamValues = Record<string, { shape: number[]; values: Float32Array }>;

export interface Decoder {
  spec: DecoderSpec;
  params: Record<string, TfCore.Variable>;
  /** [B, V] → [B, outDim] (not normalised). */
  apply(x: TfCore.Tensor2D): TfCore.Tensor2D;
  clone(): Decoder;
  dispose(): void;
}

const MLP_HIDDEN = 128;
const CNN_CHANNELS = [8, 16] as const;
const TOKEN_DIM = 32;
const HEADS = 2;
const TOKEN_MLP = 64;

function glorot(rng: Rng, fanIn: number, fanOut: number, shape: number[]): { shape: number[]; values: Float32Array } {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, values: rng.fillNormal(new Float32Array(size), Math.sqrt(2 / (fanIn + fanOut))) };
}
const zeros = (shape: number[]) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
const ones = (shape: number[]) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1) });

/** CNN geometry: kernels and strides per layer, and the flattened size after them ('same' padding). */
export function cnnGeometry(sheet: Sheet): { kernels: [number, number][]; strides: [number, number][]; flat: number } {
  const twoD = sheet.height > 1;
  const kernels: [number, number][] = twoD ? [[5, 5], [3, 3]] : [[1, 9], [1, 5]];
  const strides: [number, number][] = twoD ? [[2, 2], [2, 2]] : [[1, 4], [1, 4]];
  let h = sheet.height;
  let w = sheet.width;
  for (const [sh, sw] of strides) {
    h = Math.ceil(h / sh);
    w = Math.ceil(w / sw);
  }
  return { kernels, strides, flat: h * w * CNN_CHANNELS[1] };
}

/**
 * Transformer tokens: for each patch, the voxel indices it holds (−1 past the sheet's edge, read as 0),
 * patches in row-major order. [tokens · patchSize] int32.
 */
export function patchIndex(sheet: Sheet): { tokens: number; patchSize: number; index: Int32Array } {
  const { width, height } = sheet;
  const ph = height > 1 ? 4 : 1;
  const pw = height > 1 ? 4 : 16;
  const rows = Math.ceil(height / ph);
  const cols = Math.ceil(width / pw);
  const patchSize = ph * pw;
  const index = new Int32Array(rows * cols * patchSize);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      for (let y = 0; y < ph; y++) {
        for (let x = 0; x < pw; x++) {
          const yy = r * ph + y;
          const xx = c * pw + x;
          index[k++] = yy < height && xx < width ? yy * width + xx : -1;
        }
      }
    }
  }
  return { tokens: rows * cols, patchSize, index };
}

function initialParams(spec: DecoderSpec): ParamValues {
  const rng = new Rng(0xdec0de + 7907 * spec.seed + ['mlp', 'cnn', 'transformer'].indexOf(spec.arch));
  const v = spec.sheet.width * spec.sheet.height;
  const d = spec.outDim;
  if (spec.arch === 'mlp') {
    return { w1: glorot(rng, v, MLP_HIDDEN, [v, MLP_HIDDEN]), b1: zeros([MLP_HIDDEN]), w2: glorot(rng, MLP_HIDDEN, d, [MLP_HIDDEN, d]), b2: zeros([d]) };
  }
  if (spec.arch === 'cnn') {
    const { kernels, flat } = cnnGeometry(spec.sheet);
    const [c1, c2] = CNN_CHANNELS;
    return {
      k1: glorot(rng, kernels[0][0] * kernels[0][1], c1, [kernels[0][0], kernels[0][1], 1, c1]),
      b1: zeros([c1]),
      k2: glorot(rng, kernels[1][0] * kernels[1][1] * c1, c2, [kernels[1][0], kernels[1][1], c1, c2]),
      b2: zeros([c2]),
      w3: glorot(rng, flat, d, [flat, d]),
      b3: zeros([d]),
    };
  }
  const { tokens, patchSize } = patchIndex(spec.sheet);
  const D = TOKEN_DIM;
  const pos = { shape: [tokens, D], values: rng.fillNormal(new Float32Array(tokens * D), 0.02) };
  return {
    patch: glorot(rng, patchSize, D, [patchSize, D]),
    patchBias: zeros([D]),
    pos,
    ln1g: ones([D]),
    ln1b: zeros([D]),
    wq: glorot(rng, D, D, [D, D]),
    wk: glorot(rng, D, D, [D, D]),
    wv: glorot(rng, D, D, [D, D]),
    wo: glorot(rng, D, D, [D, D]),
    ln2g: ones([D]),
    ln2b: zeros([D]),
    m1: glorot(rng, D, TOKEN_MLP, [D, TOKEN_MLP]),
    m1b: zeros([TOKEN_MLP]),
    m2: glorot(rng, TOKEN_MLP, D, [TOKEN_MLP, D]),
    m2b: zeros([D]),
    lnfg: ones([D]),
    lnfb: zeros([D]),
    out: glorot(rng, tokens * D, d, [tokens * D, d]),
    outBias: zeros([d]),
  };
}

function layerNorm(tf: Tf, x: TfCore.Tensor, gain: TfCore.Tensor, bias: TfCore.Tensor): TfCore.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gain), bias);
}

function forward(tf: Tf, spec: DecoderSpec, p: Record<string, TfCore.Variable>, x: TfCore.Tensor2D, patches: TfCore.Tensor1D | null): TfCore.Tensor2D {
  const batch = x.shape[0];
  if (spec.arch === 'mlp') {
    const hidden = tf.relu(tf.add(tf.matMul(x, p.w1), p.b1)); // [B, 128]
    return tf.add(tf.matMul(hidden, p.w2), p.b2) as TfCore.Tensor2D; // [B, d]
  }
  if (spec.arch === 'cnn') {
    const { strides } = cnnGeometry(spec.sheet);
    const image = tf.reshape(x, [batch, spec.sheet.height, spec.sheet.width, 1]); // [B, H, W, 1]
    const h1 = tf.relu(tf.add(tf.conv2d(image as TfCore.Tensor4D, p.k1 as TfCore.Tensor4D, strides[0], 'same'), p.b1)); // [B, H/2, W/2, 8]
    const h2 = tf.relu(tf.add(tf.conv2d(h1 as TfCore.Tensor4D, p.k2 as TfCore.Tensor4D, strides[1], 'same'), p.b2)); // [B, H/4, W/4, 16]
    return tf.add(tf.matMul(tf.reshape(h2, [batch, -1]), p.w3), p.b3) as TfCore.Tensor2D; // [B, d]
  }
  const { tokens, patchSize } = patchIndex(spec.sheet);
  const D = TOKEN_DIM;
  const dh = D / HEADS;
  const padded = tf.concat([x, tf.zeros([batch, 1])], 1); // [B, V + 1]; column V reads as 0
  const grouped = tf.reshape(tf.gather(padded, patches!, 1), [batch * tokens, patchSize]); // [B·T, P]
  let h = tf.add(tf.reshape(tf.add(tf.matMul(grouped, p.patch), p.patchBias), [batch, tokens, D]), p.pos); // [B, T, D]
  const heads = (t: TfCore.Tensor) => tf.reshape(tf.transpose(tf.reshape(t, [batch, tokens, HEADS, dh]), [0, 2, 1, 3]), [batch * HEADS, tokens, dh]); // [B·H, T, dh]
  const a = tf.reshape(layerNorm(tf, h, p.ln1g, p.ln1b), [batch * tokens, D]); // [B·T, D]
  const q = heads(tf.matMul(a, p.wq));
  const k = heads(tf.matMul(a, p.wk));
  const v = heads(tf.matMul(a, p.wv));
  const attention = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh))); // [B·H, T, T]
  const mixed = tf.reshape(tf.transpose(tf.reshape(tf.matMul(attention, v), [batch, HEADS, tokens, dh]), [0, 2, 1, 3]), [batch * tokens, D]); // [B·T, D]
  h = tf.add(h, tf.reshape(tf.matMul(mixed, p.wo), [batch, tokens, D]));
  const b = tf.reshape(layerNorm(tf, h, p.ln2g, p.ln2b), [batch * tokens, D]);
  const mlp = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(b, p.m1), p.m1b)), p.m2), p.m2b); // [B·T, D]
  h = tf.add(h, tf.reshape(mlp, [batch, tokens, D]));
  // Flattened, not mean-pooled: with one shared patch embedding a mean over patches would keep only the
  // patches' sum and lose where on the sheet a response was.
  const flat = tf.reshape(layerNorm(tf, h, p.lnfg, p.lnfb), [batch, tokens * D]); // [B, T·D]
  return tf.add(tf.matMul(flat, p.out), p.outBias) as TfCore.Tensor2D; // [B, d]
}

/** A trainable variable that owns `initial`'s data (the tensor handle itself is released). */
function toVariable(tf: Tf, initial: TfCore.Tensor): TfCore.Variable {
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}

function build(tf: Tf, spec: DecoderSpec, params: Record<string, TfCore.Variable>): Decoder {
  let patches: TfCore.Tensor1D | null = null;
  if (spec.arch === 'transformer') {
    const v = spec.sheet.width * spec.sheet.height;
    const { index } = patchIndex(spec.sheet);
    patches = tf.tensor1d(Int32Array.from(index, (i) => (i < 0 ? v : i)), 'int32');
  }
  return {
    spec,
    params,
    apply: (x) => forward(tf, spec, params, x, patches),
    clone: () => build(tf, spec, Object.fromEntries(Object.entries(params).map(([name, variable]) => [name, toVariable(tf, variable.clone())]))),
    dispose: () => {
      tf.dispose(Object.values(params));
      patches?.dispose();
    },
  };
}

export function makeDecoder(tf: Tf, spec: DecoderSpec): Decoder {
  const values = initialParams(spec);
  const params = Object.fromEntries(Object.entries(values).map(([name, { shape, values: v }]) => [name, toVariable(tf, tf.tensor(v, shape))]));
  return build(tf, spec, params);
}

export function parameterCount(decoder: Decoder): number {
  return Object.values(decoder.params).reduce((sum, v) => sum + v.size, 0);
}
