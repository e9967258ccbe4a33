import { softmaxRows } from '../train/metrics/index.ts';
import { outputGradients, type HeadActivations, type HeadWeights } from './head.ts';

/**
 * The "last layer kept local" defense (as in FedPer / FedRep): the client trains its own logits layer
 * on its own data and never shares it. Here the victim starts from the global head and takes
 * full-batch gradient steps on W₂, b₂ only (softmax regression on its hidden activations), so the
 * gradient it then shares flows through a head the server does not know.
 */
export interface LocalHeadOptions {
  steps: number;
  learningRate: number;
}

export const LOCAL_HEAD_DEFAULTS: LocalHeadOptions = { steps: 50, learningRate: 0.5 };

export function personalizeHead(head: HeadWeights, activations: HeadActivations, labels: ArrayLike<number>, options: LocalHeadOptions = LOCAL_HEAD_DEFAULTS): HeadWeights {
  const { hiddenSize: n, classes: C } = head;
  const { count, hidden } = activations;
  const logitKernel = head.logitKernel.slice();
  const logitBias = head.logitBias.slice();
  const logits = new Float32Array(count * C);
  for (let step = 0; step < options.steps; step++) {
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < C; c++) logits[i * C + c] = logitBias[c];
      for (let u = 0; u < n; u++) {
        const a = hidden[i * n + u];
        if (a === 0) continue;
        for (let c = 0; c < C; c++) logits[i * C + c] += a * logitKernel[u * C + c];
      }
    }
    const g = outputGradients({ ...activations, probabilities: softmaxRows(logits, C) }, labels, C);
    const rate = options.learningRate / count;
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < C; c++) logitBias[c] -= rate * g[i * C + c];
      for (let u = 0; u < n; u++) {
        const a = hidden[i * n + u];
        if (a === 0) continue;
        for (let c = 0; c < C; c++) logitKernel[u * C + c] -= rate * a * g[i * C + c];
      }
    }
  }
  return { ...head, logitKernel, logitBias };
}
