import { InputError } from '../errors.ts';
import { butterworth, filtfilt, type Biquad } from './filters.ts';
import type { EmgRecording } from './recording.ts';

/**
 * EMG → linear envelope, the usual synergy-analysis chain: remove the offset, band-pass 20–450 Hz
 * (4th-order Butterworth, zero-phase), full-wave rectify, low-pass 4–10 Hz (zero-phase), then
 * decimate (an envelope under 10 Hz needs no 1 kHz) and normalise each muscle. Envelopes that are
 * already envelopes (`raw: false`) skip straight to normalisation.
 */
export interface EnvelopeSettings {
  raw: boolean;
  bandPassHz: [number, number];
  bandPassOrder: number;
  /** The study's range is 4–10 Hz; 6 Hz is common for shoulder work. */
  lowPassHz: number;
  lowPassOrder: number;
  /** Rate of the returned envelope; 0 keeps the input rate. */
  envelopeRateHz: number;
}

export const DEFAULT_ENVELOPE: EnvelopeSettings = {
  raw: true,
  bandPassHz: [20, 450],
  bandPassOrder: 4,
  lowPassHz: 6,
  lowPassOrder: 4,
  envelopeRateHz: 100,
};

export interface Envelope extends EmgRecording {
  /** What was done differently from the settings, for the page to show (e.g. no 450 Hz edge at 500 Hz). */
  notes: string[];
}

export function envelope(recording: EmgRecording, settings: EnvelopeSettings = DEFAULT_ENVELOPE): Envelope {
  const fs = recording.sampleRateHz;
  const n = recording.samples;
  const notes: string[] = [];
  let chain: { bandPass: Biquad[]; lowPass: Biquad[] } | undefined;
  if (settings.raw) {
    const [lowHz, highHz] = settings.bandPassHz;
    if (!(lowHz > 0 && lowHz < highHz)) throw new InputError(`band-pass edges ${lowHz}–${highHz} Hz are not increasing positive frequencies`);
    if (!(settings.lowPassHz > 0 && settings.lowPassHz < fs / 2)) throw new InputError(`low-pass ${settings.lowPassHz} Hz must lie below the Nyquist frequency ${fs / 2} Hz`);
    if (lowHz >= fs / 2) throw new InputError(`${recording.name}: sampled at ${fs} Hz, too slow for a ${lowHz} Hz high-pass`, 'raw EMG needs at least ~1 kHz; import envelopes without --raw instead');
    const bandPass = butterworth({ kind: 'highpass', order: settings.bandPassOrder, cutoffHz: lowHz, sampleRateHz: fs });
    if (highHz < fs / 2) bandPass.push(...butterworth({ kind: 'lowpass', order: settings.bandPassOrder, cutoffHz: highHz, sampleRateHz: fs }));
    else notes.push(`no ${highHz} Hz low edge: it is above the Nyquist frequency (${fs / 2} Hz)`);
    chain = { bandPass, lowPass: butterworth({ kind: 'lowpass', order: settings.lowPassOrder, cutoffHz: settings.lowPassHz, sampleRateHz: fs }) };
  }
  const step = settings.envelopeRateHz > 0 ? Math.max(1, Math.floor(fs / settings.envelopeRateHz)) : 1;
  const outSamples = Math.ceil(n / step);
  if (outSamples < 2) {
    throw new InputError(
      `${recording.name}: ${n} samples at ${fs} Hz give ${outSamples} envelope sample${outSamples === 1 ? '' : 's'} at ${fs / step} Hz, at least 2 are needed`,
      'the recording is too short for synergies; use a longer trial',
    );
  }
  const out = new Float32Array(recording.muscles.length * outSamples);
  for (let row = 0; row < recording.muscles.length; row++) {
    const channel = recording.data.subarray(row * n, (row + 1) * n);
    const env = chain ? rawToEnvelope(channel, chain) : Float64Array.from(channel);
    if (!chain) checkNonNegative(env, recording, row);
    for (let j = 0; j < outSamples; j++) out[row * outSamples + j] = env[j * step];
  }
  return { ...recording, sampleRateHz: fs / step, samples: outSamples, data: out, notes };
}

function rawToEnvelope(channel: Float32Array, chain: { bandPass: Biquad[]; lowPass: Biquad[] }): Float64Array {
  let mean = 0;
  for (const v of channel) mean += v;
  mean /= channel.length;
  const centred = new Float64Array(channel.length);
  for (let j = 0; j < channel.length; j++) centred[j] = channel[j] - mean;
  const band = filtfilt(chain.bandPass, centred);
  for (let j = 0; j < band.length; j++) band[j] = Math.abs(band[j]);
  const smooth = filtfilt(chain.lowPass, band);
  // A zero-phase low-pass of a non-negative signal can undershoot by a hair; activations cannot.
  for (let j = 0; j < smooth.length; j++) if (smooth[j] < 0) smooth[j] = 0;
  return smooth;
}

function checkNonNegative(values: Float64Array, recording: EmgRecording, row: number): void {
  const j = values.findIndex((v) => v < 0);
  if (j >= 0) {
    throw new InputError(
      `${recording.name}: ${recording.muscles[row]} is negative (${values[j]}) at sample ${j}; envelopes must be non-negative`,
      'if this is raw EMG, process it as raw (the --raw flag, or "raw EMG" on the page)',
    );
  }
}

/** Per-muscle peak of an envelope [muscles, samples]: the normaliser when no MVC trial is given. */
export function rowPeaks(data: Float32Array, rows: number): Float64Array {
  const cols = data.length / rows;
  const peaks = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let peak = 0;
    for (let j = 0; j < cols; j++) peak = Math.max(peak, data[r * cols + j]);
    peaks[r] = peak;
  }
  return peaks;
}

/** Divides each muscle by its reference (an MVC trial's peak, or the data's own peak); zero rows stay zero. */
export function normaliseRows(data: Float32Array, references: ArrayLike<number>): Float32Array {
  const rows = references.length;
  const cols = data.length / rows;
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const scale = references[r] > 0 ? 1 / references[r] : 0;
    for (let j = 0; j < cols; j++) out[r * cols + j] = data[r * cols + j] * scale;
  }
  return out;
}

/**
 * Resamples each task cycle [start, end) (sample indices) to `points` samples spanning 0–100 % by
 * linear interpolation, and puts the cycles side by side: [muscles, cycles · points].
 */
export function timeNormalise(data: Float32Array, rows: number, cycles: readonly { start: number; end: number }[], points = 101): Float32Array {
  const cols = data.length / rows;
  const out = new Float32Array(rows * cycles.length * points);
  const width = cycles.length * points;
  cycles.forEach(({ start, end }, c) => {
    if (!(start >= 0 && end <= cols && end - start >= 2)) throw new RangeError(`cycle ${c} [${start}, ${end}) is not inside the ${cols} samples`);
    for (let p = 0; p < points; p++) {
      const position = start + ((end - 1 - start) * p) / (points - 1);
      const left = Math.floor(position);
      const right = Math.min(left + 1, end - 1);
      const t = position - left;
      for (let r = 0; r < rows; r++) {
        out[r * width + c * points + p] = (1 - t) * data[r * cols + left] + t * data[r * cols + right];
      }
    }
  });
  return out;
}
