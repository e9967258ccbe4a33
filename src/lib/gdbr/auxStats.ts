import { InputError } from '../errors.ts';
import { bridgeGradients, type HeadActivations, type HeadWeights } from './head.ts';

/**
 * What the attacker measures on its auxiliary set (a small labelled set disjoint from the victim's
 * data), pushed through the server's copy of the model. Notation as in head.ts; s_i = Σ_j h_ij is a
 * sample's total head input ("mass"), which ties the column sums of ∇W₁ to the bias gradient.
 */
export interface AuxStats {
  classes: number;
  hiddenSize: number;
  /** Aux samples per class [C]. */
  classCounts: Int32Array;
  /** p̄^(j): mean softmax of the class-j samples, row j of [C, C]. */
  classMeanSoftmax: Float64Array;
  /** Mean softmax over all aux samples [C]. */
  meanSoftmax: Float64Array;
  /** ρ_u = P(m_u = 1): activation rate of each hidden unit [n]. */
  activationRate: Float64Array;
  /** E[s · m_u] [n]: the activation rate weighted by the input mass. */
  massActivation: Float64Array;
  /** E[δ | y = j]: mean bias-gradient bridge of class j, row j of [C, n]. */
  classBridge: Float64Array;
  /** E[s · δ | y = j]: the same, weighted by the input mass, row j of [C, n]. */
  classMassBridge: Float64Array;
  /** E[A g_j | y = i] with A = Σ_u a_u: what a class-i sample adds to class j's row sum of ∇W₂
   *  (LLG+ measures impact and offset from it), row i of [C, C]. */
  classRowSumGradient: Float64Array;
  /** The same through dummy inputs (LLG*), when the scenario made them. */
  dummy?: DummyStats;
}

/** LLG*'s dummy batches: inputs that carry no class (uniform noise), any label. With A and p of the
 *  dummies, a batch of them all labelled i has row sums E[A p_j] − [i = j] E[A]. */
export interface DummyStats {
  /** E[A p_j] [C] */
  rowSumSoftmax: Float64Array;
  /** E[A] */
  activationMass: number;
}

/** Σ_u a_iu of each sample [count]. */
function activationMasses(activations: HeadActivations, n: number): Float64Array {
  const masses = new Float64Array(activations.count);
  for (let i = 0; i < activations.count; i++) for (let u = 0; u < n; u++) masses[i] += activations.hidden[i * n + u];
  return masses;
}

export function dummyStatistics(activations: HeadActivations, hiddenSize: number, classes: number): DummyStats {
  const { count, probabilities } = activations;
  if (count === 0) throw new RangeError('dummyStatistics: no dummy inputs');
  const masses = activationMasses(activations, hiddenSize);
  const rowSumSoftmax = new Float64Array(classes);
  let activationMass = 0;
  for (let i = 0; i < count; i++) {
    activationMass += masses[i] / count;
    for (let c = 0; c < classes; c++) rowSumSoftmax[c] += (masses[i] * probabilities[i * classes + c]) / count;
  }
  return { rowSumSoftmax, activationMass };
}

export function auxStatistics(head: HeadWeights, activations: HeadActivations, labels: ArrayLike<number>, dummy?: HeadActivations): AuxStats {
  const { hiddenSize: n, classes: C, inputSize: d } = head;
  const { count, features, hidden, probabilities } = activations;
  if (labels.length !== count) throw new RangeError(`auxStatistics: ${labels.length} labels for ${count} samples`);
  const delta = bridgeGradients(head, activations, labels);
  const classCounts = new Int32Array(C);
  const classMeanSoftmax = new Float64Array(C * C);
  const meanSoftmax = new Float64Array(C);
  const activationRate = new Float64Array(n);
  const massActivation = new Float64Array(n);
  const classBridge = new Float64Array(C * n);
  const classMassBridge = new Float64Array(C * n);
  const classRowSumGradient = new Float64Array(C * C);
  const masses = activationMasses(activations, n);
  for (let i = 0; i < count; i++) {
    const label = labels[i];
    classCounts[label]++;
    let mass = 0;
    for (let j = 0; j < d; j++) mass += features[i * d + j];
    for (let c = 0; c < C; c++) {
      classMeanSoftmax[label * C + c] += probabilities[i * C + c];
      meanSoftmax[c] += probabilities[i * C + c];
      classRowSumGradient[label * C + c] += masses[i] * (probabilities[i * C + c] - (c === label ? 1 : 0));
    }
    for (let u = 0; u < n; u++) {
      if (hidden[i * n + u] > 0) {
        activationRate[u] += 1;
        massActivation[u] += mass;
      }
      classBridge[label * n + u] += delta[i * n + u];
      classMassBridge[label * n + u] += mass * delta[i * n + u];
    }
  }
  const missing = [...classCounts.keys()].filter((c) => classCounts[c] === 0);
  if (missing.length > 0) throw new InputError(`the auxiliary set has no sample of class ${missing.join(', ')}`, 'the attacks need every class in the auxiliary data; use a larger auxiliary set');
  for (let j = 0; j < C; j++) {
    for (let c = 0; c < C; c++) {
      classMeanSoftmax[j * C + c] /= classCounts[j];
      classRowSumGradient[j * C + c] /= classCounts[j];
    }
    for (let u = 0; u < n; u++) {
      classBridge[j * n + u] /= classCounts[j];
      classMassBridge[j * n + u] /= classCounts[j];
    }
  }
  for (let c = 0; c < C; c++) meanSoftmax[c] /= count;
  for (let u = 0; u < n; u++) {
    activationRate[u] /= count;
    massActivation[u] /= count;
  }
  return {
    classes: C,
    hiddenSize: n,
    classCounts,
    classMeanSoftmax,
    meanSoftmax,
    activationRate,
    massActivation,
    classBridge,
    classMassBridge,
    classRowSumGradient,
    dummy: dummy ? dummyStatistics(dummy, n, C) : undefined,
  };
}
