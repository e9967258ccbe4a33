import { wavelengthM } from './units.ts';

/**
 * Large-scale channel model: g = β₀·d^−α, with β₀ = (c/4πf)² the free-space gain at 1 m (Friis) and
 * α the path-loss exponent of a line-of-sight or a blocked link. Small-scale fading is not modelled:
 * the IRS phases are assumed aligned, as in Wu & Zhang 2019 and the papers that build on it.
 */
export interface PathLoss {
  /** β₀, linear (−43.3 dB at 3.5 GHz). */
  beta0: number;
  alphaLos: number;
  /** Exponent of a blocked link; null means a blocked link carries nothing. */
  alphaNlos: number | null;
}

export function referenceGain(carrierHz: number): number {
  return (wavelengthM(carrierHz) / (4 * Math.PI)) ** 2;
}

/**
 * Gain of one link. Capped at 1: a receive antenna cannot collect more than was sent, which keeps cells
 * at a transmitter finite instead of dividing by zero.
 */
export function pathGain(pathLoss: PathLoss, distanceM: number, lineOfSight: boolean): number {
  const alpha = lineOfSight ? pathLoss.alphaLos : pathLoss.alphaNlos;
  if (alpha === null) return 0;
  return Math.min(1, pathLoss.beta0 * distanceM ** -alpha);
}
