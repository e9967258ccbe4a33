/**
 * Passive IRS closed forms.
 *
 * Single IRS — Q. Wu and R. Zhang, "Intelligent reflecting surface enhanced wireless network: joint
 * active and passive beamforming design", IEEE TWC 2019: with the N element phases aligned to the
 * cascaded channel and co-phased with the direct link, the received SNR is
 *   SNR = P·M·(√g₀·1_LoS + N·√(g₁g₂))² / σ²,
 * g₀ the direct gain (0 when the direct link is blocked), g₁ BS→IRS and g₂ IRS→user per-element gains.
 *
 * Double reflection — Y. Han, S. Zhang, L. Duan and R. Zhang, "Cooperative double-IRS aided
 * communication: beamforming design and power scaling", IEEE WCL 2020; W. Mei and R. Zhang, "Cooperative
 * beam routing for multi-IRS aided communication", IEEE WCL 2021 (and M. Fu and R. Zhang's active/passive
 * double-IRS deployment study, whose parameters our tests use): with cooperative passive beamforming the
 * double-reflection path BS→IRS₁→IRS₂→user has gain g₁·g₁₂·g₂·N₁²·N₂², which for a total N = N₁ + N₂ is
 * largest at the equal split and then grows as N⁴/16 (against N² for one IRS).
 */

export interface PassiveLink {
  powerW: number;
  antennas: number;
  /** g₀; 0 when the direct link is blocked. */
  directGain: number;
  /** g₁: BS → IRS, per element. */
  incidentGain: number;
  /** g₂: IRS → user, per element. */
  reflectedGain: number;
  elements: number;
  noiseW: number;
}

export function passiveSnr(link: PassiveLink): number {
  const amplitude = Math.sqrt(link.directGain) + link.elements * Math.sqrt(link.incidentGain * link.reflectedGain);
  return (link.powerW * link.antennas * amplitude * amplitude) / link.noiseW;
}

export interface DoubleReflectionLink {
  powerW: number;
  /** g₁ (BS → IRS₁), g₁₂ (IRS₁ → IRS₂), g₂ (IRS₂ → user), each per element. */
  gains: readonly [number, number, number];
  elements: readonly [number, number];
  noiseW: number;
}

/** SNR of the double-reflection path alone: P·g₁·g₁₂·g₂·N₁²·N₂² / σ². */
export function doubleReflectionSnr(link: DoubleReflectionLink): number {
  const [g1, g12, g2] = link.gains;
  const [n1, n2] = link.elements;
  return (link.powerW * g1 * g12 * g2 * n1 * n1 * n2 * n2) / link.noiseW;
}
