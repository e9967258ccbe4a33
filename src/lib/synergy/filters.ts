import fili from 'fili';

/**
 * Butterworth filters as cascades of biquads (second-order sections), designed by `fili` (bilinear
 * transform with pre-warping, the RBJ cookbook sections with Butterworth Qs) and run here in float64
 * with zero-phase forward–backward filtering. Digital Butterworth magnitude, for checking:
 * |H(f)| = 1 / √(1 + (tan(πf/fs) / tan(πfc/fs))^(±2N)), + for low-pass, − for high-pass.
 */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

export type FilterKind = 'lowpass' | 'highpass';

export interface ButterworthSpec {
  kind: FilterKind;
  /** Filter order N (even: N/2 biquads). EMG practice uses 4. */
  order: number;
  cutoffHz: number;
  sampleRateHz: number;
}

export function butterworth(spec: ButterworthSpec): Biquad[] {
  const { kind, order, cutoffHz, sampleRateHz } = spec;
  if (!Number.isInteger(order) || order < 2 || order % 2 !== 0 || order > 24) {
    throw new RangeError(`Butterworth order must be an even integer in [2, 24], got ${order}`);
  }
  if (!(cutoffHz > 0 && cutoffHz < sampleRateHz / 2)) {
    throw new RangeError(`cut-off ${cutoffHz} Hz must lie between 0 and the Nyquist frequency ${sampleRateHz / 2} Hz`);
  }
  const cascades = new fili.CalcCascades()[kind]({ order: order / 2, characteristic: 'butterworth', Fs: sampleRateHz, Fc: cutoffHz });
  // fili keeps a stage gain k in front of the section; folding it into b makes each stage plain.
  return cascades.map((s) => ({ b0: s.k * s.b[0], b1: s.k * s.b[1], b2: s.k * s.b[2], a1: s.a[0], a2: s.a[1] }));
}

/** |H(e^{j2πf/fs})| of a cascade, evaluated directly from its coefficients. */
export function magnitudeAt(sections: readonly Biquad[], frequencyHz: number, sampleRateHz: number): number {
  const w = (2 * Math.PI * frequencyHz) / sampleRateHz;
  const [c1, s1, c2, s2] = [Math.cos(w), -Math.sin(w), Math.cos(2 * w), -Math.sin(2 * w)];
  let magnitude = 1;
  for (const s of sections) {
    const numRe = s.b0 + s.b1 * c1 + s.b2 * c2;
    const numIm = s.b1 * s1 + s.b2 * s2;
    const denRe = 1 + s.a1 * c1 + s.a2 * c2;
    const denIm = s.a1 * s1 + s.a2 * s2;
    magnitude *= Math.hypot(numRe, numIm) / Math.hypot(denRe, denIm);
  }
  return magnitude;
}

/** Runs a cascade once, forwards, in place (transposed direct form II, float64 state). */
export function filterInPlace(sections: readonly Biquad[], x: Float64Array, initialSteady = true): void {
  for (const s of sections) {
    // Start in the steady state for a constant input equal to x[0], so the edge does not ring.
    const dcGain = (s.b0 + s.b1 + s.b2) / (1 + s.a1 + s.a2);
    let z1 = 0;
    let z2 = 0;
    if (initialSteady && x.length > 0) {
      const y0 = dcGain * x[0];
      z2 = s.b2 * x[0] - s.a2 * y0;
      z1 = y0 - s.b0 * x[0];
    }
    for (let i = 0; i < x.length; i++) {
      const input = x[i];
      const output = s.b0 * input + z1;
      z1 = s.b1 * input - s.a1 * output + z2;
      z2 = s.b2 * input - s.a2 * output;
      x[i] = output;
    }
  }
}

/**
 * Zero-phase filtering (forward, then backward), like MATLAB's `filtfilt`: no delay, magnitude
 * |H(f)|², so the −3 dB corner of one pass becomes −6 dB. The signal is first extended at both ends by
 * odd reflection (3 × the cascade's order samples, as filtfilt does) to keep edge transients out.
 */
export function filtfilt(sections: readonly Biquad[], signal: ArrayLike<number>): Float64Array {
  const n = signal.length;
  if (n === 0) return new Float64Array(0);
  const pad = Math.min(n - 1, 3 * (2 * sections.length + 1));
  const extended = new Float64Array(n + 2 * pad);
  for (let i = 0; i < pad; i++) {
    extended[pad - 1 - i] = 2 * signal[0] - signal[i + 1];
    extended[pad + n + i] = 2 * signal[n - 1] - signal[n - 2 - i];
  }
  for (let i = 0; i < n; i++) extended[pad + i] = signal[i];
  filterInPlace(sections, extended);
  extended.reverse();
  filterInPlace(sections, extended);
  extended.reverse();
  return extended.slice(pad, pad + n);
}
