import type * as TfCore from '@tensorflow/tfjs';
import { Rng } from '../util/random.ts';

/**
 * The few tfjs building blocks the captioning models share: seeded parameters, dense layers, layer norm,
 * multi-head attention and a one-hot embedding lookup (tfjs-wasm has no gradient for `gather`: DESIGN §5).
 * The caller passes the tfjs module with its backend started (Node: tfjs-wasm; workers: tfBackend.ts).
 */
export type Tf = typeof TfCore;
export type T2 = TfCore.Tensor2D;
export type T3 = TfCore.Tensor3D;

export class Params {
  readonly list: TfCore.Variable[] = [];
  private readonly rng: Rng;

  constructor(
    private readonly tf: Tf,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  /** Glorot-uniform matrix [rows, cols]. */
  matrix(rows: number, cols: number): TfCore.Variable {
    const limit = Math.sqrt(6 / (rows + cols));
    return this.add(this.tf.tensor2d(this.rng.fillUniform(new Float32Array(rows * cols), -limit, limit), [rows, cols]));
  }

  constant(length: number, value: number): TfCore.Variable {
    return this.add(this.tf.fill([length], value) as TfCore.Tensor1D);
  }

  private add(t: TfCore.Tensor): TfCore.Variable {
    const v = this.tf.variable(t);
    t.dispose();
    this.list.push(v);
    return v;
  }

  dispose(): void {
    for (const v of this.list) v.dispose();
  }
}

export interface Dense {
  w: TfCore.Variable;
  b: TfCore.Variable;
}

export const dense = (p: Params, inputs: number, outputs: number): Dense => ({ w: p.matrix(inputs, outputs), b: p.constant(outputs, 0) });

/** x [..., in] → [..., out]. */
export function applyDense(tf: Tf, layer: Dense, x: TfCore.Tensor): TfCore.Tensor {
  const shape = x.shape;
  const flat = tf.reshape(x, [-1, shape[shape.length - 1]]) as T2;
  const y = tf.add(tf.matMul(flat, layer.w as unknown as T2), layer.b);
  return tf.reshape(y, [...shape.slice(0, -1), layer.w.shape[1] as number]);
}

export interface Norm {
  gain: TfCore.Variable;
  bias: TfCore.Variable;
}

export const norm = (p: Params, width: number): Norm => ({ gain: p.constant(width, 1), bias: p.constant(width, 0) });

export function layerNorm(tf: Tf, n: Norm, x: TfCore.Tensor): TfCore.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), n.gain), n.bias);
}

export interface Attention {
  q: Dense;
  k: Dense;
  v: Dense;
  o: Dense;
  heads: number;
}

export const attention = (p: Params, width: number, heads: number): Attention => ({ q: dense(p, width, width), k: dense(p, width, width), v: dense(p, width, width), o: dense(p, width, width), heads });

/**
 * Multi-head attention: queries x [B, Tq, d] over memory m [B, Tk, d]; `mask` [Tq, Tk] (1 keep, 0 drop)
 * for causal self-attention. Returns [B, Tq, d].
 */
export function applyAttention(tf: Tf, a: Attention, x: T3, m: T3, mask?: TfCore.Tensor2D): T3 {
  const [batch, tq, width] = x.shape;
  const tk = m.shape[1];
  const headWidth = width / a.heads;
  const split = (t: TfCore.Tensor, length: number) => tf.transpose(tf.reshape(t, [batch, length, a.heads, headWidth]), [0, 2, 1, 3]); // [B, h, T, hd]
  const q = split(applyDense(tf, a.q, x), tq);
  const k = split(applyDense(tf, a.k, m), tk);
  const v = split(applyDense(tf, a.v, m), tk);
  let scores = tf.div(tf.matMul(q as TfCore.Tensor4D, k as TfCore.Tensor4D, false, true), Math.sqrt(headWidth)); // [B, h, Tq, Tk]
  if (mask) scores = tf.add(scores, tf.mul(tf.sub(1, mask), -1e9));
  const weights = tf.softmax(scores, -1);
  const mixed = tf.reshape(tf.transpose(tf.matMul(weights as TfCore.Tensor4D, v as TfCore.Tensor4D), [0, 2, 1, 3]), [batch, tq, width]);
  return applyDense(tf, a.o, mixed) as T3;
}

/** Embedding lookup as a one-hot matmul, so it trains on tfjs-wasm: ids [B, T] → [B, T, d]. */
export function embed(tf: Tf, table: TfCore.Variable, ids: TfCore.Tensor2D): T3 {
  const [batch, length] = ids.shape;
  const [vocab, width] = table.shape;
  const oneHot = tf.oneHot(tf.reshape(ids, [-1]) as TfCore.Tensor1D, vocab) as T2; // [B·T, V]
  return tf.reshape(tf.matMul(tf.cast(oneHot, 'float32') as T2, table as unknown as T2), [batch, length, width]) as T3;
}

/** Sinusoidal positions [length, width]. */
export function positions(tf: Tf, length: number, width: number): T2 {
  const out = new Float32Array(length * width);
  for (let t = 0; t < length; t++)
    for (let i = 0; i < width; i++) {
      const angle = t / 10000 ** ((2 * Math.floor(i / 2)) / width);
      out[t * width + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  return tf.tensor2d(out, [length, width]);
}
