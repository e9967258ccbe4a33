import { InputError } from '../errors.ts';
import type { ModelSpec } from '../train/models.ts';
import { softmaxRows } from '../train/metrics/index.ts';
import type { NamedTensor } from '../train/namedTensor.ts';

/**
 * The "head" of a classifier: its last hidden ReLU layer (L−1) and the linear logits layer (L). Label
 * leakage lives here. For a batch of B samples with head inputs h_i (pixels for a one-layer MLP,
 * flattened pooled maps for the CNN) and one-hot labels y_i:
 *
 *   z_i = h_i W₁ + b₁,  a_i = ReLU(z_i),  m_i = 1[z_i > 0]          hidden layer L−1, [n]
 *   o_i = a_i W₂ + b₂,  p_i = softmax(o_i),  g_i = p_i − y_i        logits layer L, [C]
 *
 * and with the batch-mean cross-entropy loss, the shared gradients are
 *
 *   ∇b₂ = (1/B) Σ_i g_i = ḡ                   ∇W₂ = (1/B) Σ_i a_iᵀ g_i
 *   ∇b₁ = (1/B) Σ_i δ_i                        ∇W₁ = (1/B) Σ_i h_iᵀ δ_i,   δ_i = m_i ⊙ (W₂ g_i)
 *
 * (tfjs stores kernels as [in, out], so W₂ here is the paper's W_Lᵀ: W₂ g_i = W_Lᵀ g_i.) δ_i is the
 * per-sample gradient of the hidden bias: the "bridge" from layer L−1 back to the output gradient.
 */
export interface HeadLayout {
  /** The last hidden dense layer (L−1), e.g. `dense1`. */
  hidden: string;
  /** The logits layer (L). */
  logits: string;
}

export interface HeadWeights {
  /** d: inputs of layer L−1. */
  inputSize: number;
  /** n: units of layer L−1. */
  hiddenSize: number;
  /** C */
  classes: number;
  /** W₁ [d, n] */
  hiddenKernel: Float32Array;
  /** b₁ [n] */
  hiddenBias: Float32Array;
  /** W₂ [n, C] */
  logitKernel: Float32Array;
  /** b₂ [C] */
  logitBias: Float32Array;
}

/** Where the head sits in a platform model (layer names are fixed by src/lib/train/models.ts). */
export function headLayout(spec: ModelSpec): HeadLayout {
  if (spec.hidden.length === 0) {
    throw new InputError('the model has no hidden dense layer', 'the attacks on a hidden last layer need a ReLU layer before the logits; give the model at least one hidden size');
  }
  return { hidden: `dense${spec.hidden.length}`, logits: 'logits' };
}

export const weightName = {
  hiddenKernel: (layout: HeadLayout) => `${layout.hidden}/kernel`,
  hiddenBias: (layout: HeadLayout) => `${layout.hidden}/bias`,
  logitKernel: (layout: HeadLayout) => `${layout.logits}/kernel`,
  logitBias: (layout: HeadLayout) => `${layout.logits}/bias`,
} as const;

/** The head's weights out of a model's named weights (or of a gradient with the same names). */
export function headFromWeights(weights: readonly NamedTensor[], layout: HeadLayout): HeadWeights {
  const byName = new Map(weights.map((weight) => [weight.name, weight]));
  const take = (name: string, rank: number): NamedTensor => {
    const weight = byName.get(name);
    if (!weight) throw new RangeError(`headFromWeights: no weight named ${name}`);
    if (weight.shape.length !== rank) throw new RangeError(`headFromWeights: ${name} has rank ${weight.shape.length}, expected ${rank}`);
    return weight;
  };
  const hiddenKernel = take(weightName.hiddenKernel(layout), 2);
  const logitKernel = take(weightName.logitKernel(layout), 2);
  const [inputSize, hiddenSize] = hiddenKernel.shape;
  const classes = logitKernel.shape[1];
  if (logitKernel.shape[0] !== hiddenSize) throw new RangeError(`headFromWeights: ${logitKernel.name} takes ${logitKernel.shape[0]} inputs, ${hiddenKernel.name} gives ${hiddenSize}`);
  return {
    inputSize,
    hiddenSize,
    classes,
    hiddenKernel: hiddenKernel.values,
    hiddenBias: take(weightName.hiddenBias(layout), 1).values,
    logitKernel: logitKernel.values,
    logitBias: take(weightName.logitBias(layout), 1).values,
  };
}

/** What a forward pass through the head leaves behind, per sample. */
export interface HeadActivations {
  count: number;
  /** h [B, d] */
  features: Float32Array;
  /** a = ReLU(z) [B, n]; the mask m is a > 0. */
  hidden: Float32Array;
  /** p = softmax(o) [B, C] */
  probabilities: Float32Array;
}

/** The forward pass in plain loops (zero inputs — MNIST background, dead units — are skipped). */
export function headForward(head: HeadWeights, features: Float32Array): HeadActivations {
  const { inputSize: d, hiddenSize: n, classes: C } = head;
  const count = features.length / d;
  if (!Number.isInteger(count)) throw new RangeError(`headForward: ${features.length} feature values do not make rows of ${d}`);
  const hidden = new Float32Array(count * n);
  const logits = new Float32Array(count * C);
  const z = new Float64Array(n);
  for (let i = 0; i < count; i++) {
    z.set(head.hiddenBias);
    for (let j = 0; j < d; j++) {
      const value = features[i * d + j];
      if (value === 0) continue;
      for (let u = 0; u < n; u++) z[u] += value * head.hiddenKernel[j * n + u];
    }
    for (let u = 0; u < n; u++) hidden[i * n + u] = Math.max(0, z[u]);
  }
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < C; c++) logits[i * C + c] = head.logitBias[c];
    for (let u = 0; u < n; u++) {
      const value = hidden[i * n + u];
      if (value === 0) continue;
      for (let c = 0; c < C; c++) logits[i * C + c] += value * head.logitKernel[u * C + c];
    }
  }
  return { count, features, hidden, probabilities: softmaxRows(logits, C) };
}

/** g_i = p_i − y_i [B, C]: the per-sample gradient of the cross-entropy with respect to the logits. */
export function outputGradients(activations: HeadActivations, labels: ArrayLike<number>, classes: number): Float64Array {
  const { count, probabilities } = activations;
  if (labels.length !== count) throw new RangeError(`outputGradients: ${labels.length} labels for ${count} samples`);
  const g = Float64Array.from(probabilities);
  for (let i = 0; i < count; i++) g[i * classes + labels[i]] -= 1;
  return g;
}

/** δ_i = m_i ⊙ (W₂ g_i) [B, n]: each sample's gradient of the hidden bias b₁. */
export function bridgeGradients(head: HeadWeights, activations: HeadActivations, labels: ArrayLike<number>): Float64Array {
  const { hiddenSize: n, classes: C } = head;
  const g = outputGradients(activations, labels, C);
  const delta = new Float64Array(activations.count * n);
  for (let i = 0; i < activations.count; i++) {
    for (let u = 0; u < n; u++) {
      if (!(activations.hidden[i * n + u] > 0)) continue;
      let sum = 0;
      for (let c = 0; c < C; c++) sum += head.logitKernel[u * C + c] * g[i * C + c];
      delta[i * n + u] = sum;
    }
  }
  return delta;
}

export interface HeadGradients {
  hiddenKernel: Float32Array;
  hiddenBias: Float32Array;
  logitKernel: Float32Array;
  logitBias: Float32Array;
}

/** The batch-mean gradients of the four head weights, analytically (formulas at the top). */
export function headGradients(head: HeadWeights, activations: HeadActivations, labels: ArrayLike<number>): HeadGradients {
  const { inputSize: d, hiddenSize: n, classes: C } = head;
  const { count, features, hidden } = activations;
  const g = outputGradients(activations, labels, C);
  const delta = bridgeGradients(head, activations, labels);
  const hiddenKernel = new Float64Array(d * n);
  const hiddenBias = new Float64Array(n);
  const logitKernel = new Float64Array(n * C);
  const logitBias = new Float64Array(C);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < C; c++) logitBias[c] += g[i * C + c];
    for (let u = 0; u < n; u++) {
      const a = hidden[i * n + u];
      if (a === 0) continue;
      for (let c = 0; c < C; c++) logitKernel[u * C + c] += a * g[i * C + c];
    }
    for (let u = 0; u < n; u++) hiddenBias[u] += delta[i * n + u];
    for (let j = 0; j < d; j++) {
      const h = features[i * d + j];
      if (h === 0) continue;
      for (let u = 0; u < n; u++) hiddenKernel[j * n + u] += h * delta[i * n + u];
    }
  }
  const mean = (sums: Float64Array) => Float32Array.from(sums, (value) => value / count);
  return { hiddenKernel: mean(hiddenKernel), hiddenBias: mean(hiddenBias), logitKernel: mean(logitKernel), logitBias: mean(logitBias) };
}
