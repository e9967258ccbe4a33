/**
 * Settings of the CPU risk's training (see cpuRisk.ts), kept free of tfjs so pages can read and
 * check them without loading it.
 */
export type Surrogate = 'sigmoid' | 'logistic';

export interface NnpuSettings {
  /** β ≥ 0: how far below zero a class's negative-risk estimate may go before the correction step. */
  beta: number;
  /** γ ∈ (0, 1]: discount of the correction step. */
  gamma: number;
  /** The binary loss ℓ. */
  surrogate: Surrogate;
}

/** Kiryo et al.'s β and γ, and the sigmoid loss. */
export const NNPU_DEFAULTS: NnpuSettings = { beta: 0, gamma: 1, surrogate: 'sigmoid' };
