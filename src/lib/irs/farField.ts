/**
 * The far-field sanity bound per hop. The N² law (Wu & Zhang 2019) treats each of the N elements as
 * receiving β₀/d² of the power, so the surface as a whole receives N·β₀/d², which grows without limit as
 * d shrinks or N grows. A surface cannot capture more power than falls on it (Björnson & Sanguinetti,
 * "Power scaling laws and near-field behaviors of massive MIMO and intelligent reflecting surfaces",
 * IEEE OJ-COMS 2020): the fraction of an isotropic source's power landing on a square of side L facing it
 * at distance d is its solid angle over 4π, Ω/4π with Ω = 4·asin(L²/(L² + 4d²)) — at most 1/2.
 * By reciprocity the same fraction bounds what the surface can deliver to a point receiver at d.
 *
 * Our own step: we apply the bound per hop by capping the per-element gain at (Ω/4π)/N, with the
 * element pitch λ/2 giving L = √N·λ/2, and report where the cap binds.
 */

export function surfaceSideM(elements: number, wavelengthM: number): number {
  return Math.sqrt(elements) * (wavelengthM / 2);
}

export function capturedFraction(sideM: number, distanceM: number): number {
  const l2 = sideM * sideM;
  return Math.asin(l2 / (l2 + 4 * distanceM * distanceM)) / Math.PI;
}

export interface BoundedGain {
  gain: number;
  /** True when the model gain exceeded the bound and was capped. */
  binding: boolean;
}

export function boundElementGain(gain: number, elements: number, sideM: number, distanceM: number): BoundedGain {
  const cap = capturedFraction(sideM, distanceM) / elements;
  return gain > cap ? { gain: cap, binding: true } : { gain, binding: false };
}

/** Distance inside which the bound binds for a line-of-sight link with exponent 2 (bisection on d). */
export function bindingRadiusM(beta0: number, elements: number, sideM: number): number {
  const binds = (d: number) => (elements * beta0) / (d * d) > capturedFraction(sideM, d);
  let lo = 0;
  let hi = Math.max(sideM, Math.sqrt(beta0 * elements)) * 4;
  if (!binds(lo + 1e-9)) return 0;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (binds(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
