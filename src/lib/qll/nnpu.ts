/**
 * Settings of the CPU risk's training (see cpuRisk.ts), kept free of tfjs so pages can read and
 * check them without loading it.
 */
export type Surrogate = 'sigmoid' | 'logistic';

/** π_k of every class: 'mixing' derives them from the mixing procedure (priors.ts), a number sets them all. */
export type PriorSetting = 'mixing' | number;

export interface NnpuSettings {
  /** β ≥ 0: how far below zero a class's negative-risk estimate may go before the correction step. */
  beta: number;
  /** γ ∈ (0, 1]: discount of the correction step. */
  gamma: number;
  /** The binary loss ℓ applied to the softmax's log-odds of each class. */
  surrogate: Surrogate;
  /** The class-wise priors π_k: the class-k share inside the instances labelled otherwise. */
  prior: PriorSetting;
}

/**
 * Kiryo et al.'s β = 0 and γ = 1; the logistic loss, which on the softmax's log-odds is the
 * cross-entropy pair −log p_k / −log(1 − p_k) (the bounded sigmoid loss, 1 − p_k / p_k, trains
 * slower on MNIST: see docs/qll.md); priors from the mixing procedure.
 */
export const NNPU_DEFAULTS: NnpuSettings = { beta: 0, gamma: 1, surrogate: 'logistic', prior: 'mixing' };

export function isPriorSetting(value: unknown): value is PriorSetting {
  return value === 'mixing' || (typeof value === 'number' && value >= 0 && value < 1);
}
