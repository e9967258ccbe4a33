/**
 * Active IRS closed forms. Each element amplifies what it receives by η (with its own amplifier noise
 * of power σ_F²) under a total amplifier output budget P_F:
 *   η²·N·(P·g₁ + σ_F²) = P_F   ⇒   η² = P_F / (N·(P·g₁ + σ_F²)),
 *   SNR = η²·g₁·g₂·N²·P / (η²·g₂·N·σ_F² + σ²)
 * — C. You and R. Zhang, "Wireless communication aided by intelligent reflecting surface: active or
 * passive?", IEEE WCL 2021; Long et al., "Active reconfigurable intelligent surface-aided wireless
 * communications", IEEE TWC 2021; Zhang et al., "Active RIS vs. passive RIS: which will prevail in 6G?",
 * IEEE TCOM 2023. The signal gains N² like a passive IRS, but the amplified noise gains only N, so for
 * large N the SNR grows as N, not N².
 *
 * η < 1 means the amplifiers would have to attenuate: the incident power already exceeds the budget, which
 * happens when an active IRS sits too close to the transmitter. We treat such an IRS as unusable
 * (its amplifiers off) rather than let it act as a noisy attenuator.
 */

export interface ActiveLink {
  powerW: number;
  /** g₁: BS → IRS, per element. */
  incidentGain: number;
  /** g₂: IRS → user, per element. */
  reflectedGain: number;
  elements: number;
  /** P_F: total amplifier output power. */
  ampPowerW: number;
  /** σ_F²: amplifier noise per element. */
  ampNoiseW: number;
  noiseW: number;
}

/** η² = P_F / (N·(P·g₁ + σ_F²)). */
export function activeAmplification(link: Pick<ActiveLink, 'powerW' | 'incidentGain' | 'elements' | 'ampPowerW' | 'ampNoiseW'>): number {
  return link.ampPowerW / (link.elements * (link.powerW * link.incidentGain + link.ampNoiseW));
}

export interface ActiveSnr {
  snr: number;
  /** Amplitude gain η (not squared). */
  eta: number;
  /** η ≥ 1: the IRS can amplify here. When false, `snr` is 0. */
  feasible: boolean;
}

export function activeSnr(link: ActiveLink): ActiveSnr {
  const eta2 = activeAmplification(link);
  const eta = Math.sqrt(eta2);
  if (eta < 1) return { snr: 0, eta, feasible: false };
  const n = link.elements;
  const signal = eta2 * link.incidentGain * link.reflectedGain * n * n * link.powerW;
  const noise = eta2 * link.reflectedGain * n * link.ampNoiseW + link.noiseW;
  return { snr: signal / noise, eta, feasible: true };
}
