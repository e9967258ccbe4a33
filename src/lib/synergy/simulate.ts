import { Rng } from '../util/random.ts';
import type { EmgRecording } from './recording.ts';

/**
 * A seeded two-condition study (participants × conditions × trials of one overhead task cycle) made
 * from known synergies, activation profiles and noise, so that the whole analysis can run end to end
 * and be checked against the truth. Defaults mirror the exoskeleton study the module is built for:
 * 8 participants and 8 shoulder muscles, 2 synergies; synergy 1 (anterior/middle deltoid) keeps its
 * make-up but is recruited less with the exoskeleton; synergy 2 changes make-up (a permutation of its
 * weights, so its sparseness is the same by construction).
 */
export interface StudyDesign {
  seed: number;
  participants: number;
  trialsPerCondition: number;
  cycleSeconds: number;
  sampleRateHz: number;
  muscles: string[];
  conditions: [string, string];
  /** Synergy-1 activation under the intervention relative to baseline. */
  synergy1Gain: number;
  /** true: raw EMG (envelope × white noise) that must go through the envelope pipeline. */
  raw: boolean;
}

export const DEFAULT_DESIGN: StudyDesign = {
  seed: 7,
  participants: 8,
  trialsPerCondition: 5,
  cycleSeconds: 2,
  sampleRateHz: 1000,
  muscles: ['AD', 'MD', 'PD', 'PM', 'UT', 'SA', 'LatD', 'Infra'],
  conditions: ['No exoskeleton', 'Exoskeleton'],
  synergy1Gain: 0.7,
  raw: true,
};

/**
 * Planted synergies for the default muscles, before normalisation: [muscle]. Each has a muscle the
 * other lacks (LatD, AD): without one, W₁ − αW₂ with H₂ + αH₁ fits equally well and no method could
 * recover the truth (NMF is unique only for such "separable" factors; Donoho & Stodden 2003).
 */
const SYNERGY_1 = [0.85, 0.75, 0.1, 0.25, 0, 0.1, 0.05, 0.05];
const SYNERGY_2_BASELINE = [0, 0.05, 0.25, 0.05, 0.7, 0.6, 0.15, 0.5];
/** Under the intervention, synergy 2's weights move between muscles: entry i takes entry PERMUTATION[i]. */
const PERMUTATION = [0, 1, 7, 3, 4, 6, 5, 2];

export interface SimulatedSession {
  participant: number;
  condition: 0 | 1;
  recording: EmgRecording;
  /** Task cycles as sample ranges of `recording`, one per trial. */
  cycles: { start: number; end: number }[];
}

export interface SimulatedStudy {
  design: StudyDesign;
  /** Group-level truth, unit-norm columns: [condition] → W [m, 2] */
  trueW: [Float32Array, Float32Array];
  sessions: SimulatedSession[];
  /** One maximal-contraction recording per participant (every muscle at full activation for 1 s). */
  mvc: EmgRecording[];
}

export function simulateStudy(design: StudyDesign = DEFAULT_DESIGN): SimulatedStudy {
  const m = design.muscles.length;
  if (m < 3) throw new RangeError(`the simulation needs at least 3 muscles, got ${m}`);
  const rng = new Rng(design.seed);
  const w1 = pattern(SYNERGY_1, m);
  const w2 = pattern(SYNERGY_2_BASELINE, m);
  const permutation = Array.from({ length: m }, (_, i) => (i < PERMUTATION.length && PERMUTATION[i] < m ? PERMUTATION[i] : i));
  const w2Intervention = permutation.map((source) => w2[source]);
  const trueW: [Float32Array, Float32Array] = [columns([w1, w2]), columns([w1, w2Intervention])];

  const sessions: SimulatedSession[] = [];
  const mvc: EmgRecording[] = [];
  for (let p = 0; p < design.participants; p++) {
    // Each participant has their own version of each synergy, the same in both conditions apart from the planted change.
    const ownW1 = jitter(w1, 0.08, rng);
    const ownW2 = jitter(w2, 0.08, rng);
    const ownW2Intervention = permutation.map((source) => ownW2[source]);
    const amplitude = Math.min(1.2, Math.max(0.6, 1 + 0.1 * rng.normal()));
    // Electrode and skin differ between muscles and people: a gain per muscle that MVC normalisation removes.
    const channel = { gains: design.muscles.map(() => Math.exp(0.3 * rng.normal())), offsets: design.muscles.map(() => rng.uniform(-0.5, 0.5)) };
    for (const condition of [0, 1] as const) {
      const synergies = [jitter(ownW1, 0.03, rng), condition === 0 ? ownW2 : ownW2Intervention];
      const gain1 = condition === 0 ? 0.8 : 0.8 * design.synergy1Gain;
      sessions.push(session({ design, participant: p, condition, synergies, gains: [gain1 * amplitude, 0.4 * amplitude], channel, rng }));
    }
    mvc.push(maximalContraction(design, p, channel, rng));
  }
  return { design, trueW, sessions, mvc };
}

/** The planted weights for m muscles (cycled when m differs from the default 8), unit norm. */
function pattern(values: readonly number[], m: number): number[] {
  return unit(Array.from({ length: m }, (_, i) => values[i % values.length]));
}

function unit(values: number[]): number[] {
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
}

function jitter(values: readonly number[], relative: number, rng: Rng): number[] {
  return unit(values.map((v) => Math.max(0, v * (1 + relative * rng.normal()))));
}

function columns(synergies: number[][]): Float32Array {
  const k = synergies.length;
  const m = synergies[0].length;
  const w = new Float32Array(m * k);
  synergies.forEach((s, r) => s.forEach((v, i) => (w[i * k + r] = v)));
  return w;
}

/** A raised-cosine bump on the cycle phase φ ∈ [0, 1], 1 at `centre`, 0 beyond ± `halfWidth`. */
function bump(phase: number, centre: number, halfWidth: number): number {
  const d = Math.abs(phase - centre) / halfWidth;
  return d >= 1 ? 0 : 0.5 * (1 + Math.cos(Math.PI * d));
}

interface SessionSpec {
  design: StudyDesign;
  participant: number;
  condition: 0 | 1;
  synergies: number[][];
  gains: [number, number];
  channel: Channel;
  rng: Rng;
}

interface Channel {
  gains: number[];
  offsets: number[];
}

/** Activation → recorded value: raw EMG is the envelope times unit-mean-|·| white noise, plus the offset. */
function record(design: StudyDesign, channel: Channel, muscle: number, activation: number, rng: Rng): number {
  const scaled = channel.gains[muscle] * activation;
  return design.raw ? channel.offsets[muscle] + scaled * Math.sqrt(Math.PI / 2) * rng.normal() : Math.max(0, scaled * (1 + 0.05 * rng.normal()));
}

function maximalContraction(design: StudyDesign, participant: number, channel: Channel, rng: Rng): EmgRecording {
  const m = design.muscles.length;
  const samples = Math.round(design.sampleRateHz);
  const data = new Float32Array(m * samples);
  for (let i = 0; i < m; i++) for (let j = 0; j < samples; j++) data[i * samples + j] = record(design, channel, i, 1, rng);
  return { name: `P${participant + 1} MVC`, sampleRateHz: design.sampleRateHz, muscles: [...design.muscles], samples, data };
}

function session(spec: SessionSpec): SimulatedSession {
  const { design, rng, synergies, gains } = spec;
  const m = design.muscles.length;
  const fs = design.sampleRateHz;
  const lengths = Array.from({ length: design.trialsPerCondition }, () => Math.round(design.cycleSeconds * fs * (1 + 0.05 * rng.normal())));
  const total = lengths.reduce((a, b) => a + b, 0);
  const data = new Float32Array(m * total);
  const cycles: { start: number; end: number }[] = [];
  let start = 0;
  for (const length of lengths) {
    // Lift (synergy 2), hold overhead (synergy 1), lower (synergy 2), with trial-to-trial variation.
    const hold = 0.5 + 0.01 * rng.normal();
    const a1 = gains[0] * (1 + 0.1 * rng.normal());
    const a2 = gains[1] * (1 + 0.1 * rng.normal());
    for (let j = 0; j < length; j++) {
      const phase = j / (length - 1);
      const h1 = a1 * bump(phase, hold, 0.25);
      const h2 = a2 * (bump(phase, 0.12, 0.12) + bump(phase, 0.88, 0.12));
      for (let i = 0; i < m; i++) {
        // A small tonic floor: real muscles are never fully silent.
        const activation = synergies[0][i] * h1 + synergies[1][i] * h2 + 0.005;
        data[i * total + start + j] = record(design, spec.channel, i, activation, rng);
      }
    }
    cycles.push({ start, end: start + length });
    start += length;
  }
  const name = `P${spec.participant + 1} ${design.conditions[spec.condition]}`;
  return { participant: spec.participant, condition: spec.condition, recording: { name, sampleRateHz: fs, muscles: [...design.muscles], samples: total, data }, cycles };
}
