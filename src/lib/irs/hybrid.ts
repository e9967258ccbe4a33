/**
 * The hybrid IRS (N_a active + N_p passive elements on one surface) and the general last hop that the
 * field model uses for every IRS type: passive is N_a = 0, active is N_p = 0.
 *
 * Derivation — our own step, built on the passive (Wu & Zhang 2019) and active (You & Zhang 2021) models
 * in passive.ts and active.ts. All elements are phase-aligned toward the receiver. Per element the
 * surface receives signal power S and noise power Z from upstream (Z > 0 only after an earlier active
 * hop). The active elements amplify by η with amplifier noise σ_F² under the budget
 *   η²·N_a·(S + Z + σ_F²) ≤ P_F                                     (as for the active IRS),
 * and the received amplitude, co-phased with a direct amplitude a₀ = √(P·M·g₀), is
 *   a₀ + √(g₂·S)·(N_p + η·N_a).
 * Upstream noise arrives through the same rank-one line-of-sight channel as the signal, so it is combined
 * coherently like the signal; each amplifier's own noise is independent and adds N_a-fold:
 *   noise = g₂·Z·(N_p + η·N_a)² + η²·g₂·N_a·σ_F² + σ².
 * Written as SNR(η) = (A + B·η)² / (q₀ + q₁·η + q₂·η²), its derivative has the sign of the linear
 * function (2B·q₀ − A·q₁) + η·(B·q₁ − 2A·q₂), so SNR has at most one stationary point: the best η on
 * [1, η_max] is one of 1, η_max, or that root. More gain is not always better: with passive elements or a
 * direct link present, amplifying further adds more amplifier noise than it adds signal past the root.
 * With a₀ = 0 and N_p = 0 the root is at infinity, η = η_max, and this reduces to the active closed form;
 * with N_a = 0 it reduces to the passive one. Enforcing η ≥ 1: when η_max < 1 the active part is off.
 */

export interface SurfaceElements {
  activeElements: number;
  passiveElements: number;
}

/**
 * Powers are normalised by the receiver noise σ² (so σ² = 1): this keeps the long products of small
 * gains well inside f32 range in the kernel, which uses the same formulas.
 */
export interface LastHop extends SurfaceElements {
  /** a₀: direct amplitude √(P·M·g₀/σ²), 0 when there is no direct link. */
  directAmplitude: number;
  /** g₂: surface → receiver, per element. */
  gain: number;
  /** S/σ² and Z/σ² per element at the surface. */
  signal: number;
  noise: number;
  /** η_max = √(P_F / (N_a·(S + Z + σ_F²))); unused when N_a = 0. */
  etaMax: number;
  /** σ_F²/σ². */
  ampNoise: number;
}

export interface LastHopSnr {
  snr: number;
  /** The amplitude gain used by the active elements (0 when they are off or absent). */
  eta: number;
}

export function maxAmplification(activeElements: number, ampPower: number, signal: number, noise: number, ampNoise: number): number {
  if (activeElements === 0) return 0;
  return Math.sqrt(ampPower / (activeElements * (signal + noise + ampNoise)));
}

export function lastHopSnr(hop: LastHop): LastHopSnr {
  const root = Math.sqrt(hop.gain * hop.signal);
  const np = hop.passiveElements;
  const na = hop.etaMax >= 1 ? hop.activeElements : 0;
  const a = hop.directAmplitude + root * np;
  const b = root * na;
  const q0 = hop.gain * hop.noise * np * np + 1;
  const q1 = 2 * hop.gain * hop.noise * np * na;
  const q2 = hop.gain * hop.noise * na * na + hop.gain * na * hop.ampNoise;
  const snrAt = (eta: number) => (a + b * eta) ** 2 / (q0 + eta * (q1 + q2 * eta));
  if (na === 0) return { snr: snrAt(0), eta: 0 };
  let bestEta = 1;
  let best = snrAt(1);
  const atMax = snrAt(hop.etaMax);
  if (atMax > best) {
    best = atMax;
    bestEta = hop.etaMax;
  }
  const c0 = 2 * b * q0 - a * q1;
  const c1 = b * q1 - 2 * a * q2;
  if (c1 !== 0) {
    const stationary = -c0 / c1;
    if (stationary > 1 && stationary < hop.etaMax) {
      const atRoot = snrAt(stationary);
      if (atRoot > best) {
        best = atRoot;
        bestEta = stationary;
      }
    }
  }
  return { snr: best, eta: bestEta };
}

export interface HybridLink extends SurfaceElements {
  powerW: number;
  directGain: number;
  incidentGain: number;
  reflectedGain: number;
  ampPowerW: number;
  ampNoiseW: number;
  noiseW: number;
}

/** One hybrid IRS between a single-antenna BS and a user, in watts (the form the tests and plots use). */
export function hybridSnr(link: HybridLink): LastHopSnr {
  const signal = (link.powerW * link.incidentGain) / link.noiseW;
  const ampNoise = link.ampNoiseW / link.noiseW;
  return lastHopSnr({
    activeElements: link.activeElements,
    passiveElements: link.passiveElements,
    directAmplitude: Math.sqrt((link.powerW * link.directGain) / link.noiseW),
    gain: link.reflectedGain,
    signal,
    noise: 0,
    etaMax: maxAmplification(link.activeElements, link.ampPowerW / link.noiseW, signal, 0, ampNoise),
    ampNoise,
  });
}
