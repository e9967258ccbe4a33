import { neverCancelled } from '../cancel.ts';
import { DEFAULT_NMF, type NmfHooks, type NmfRun, type NmfSettings, type NmfSolver } from './nmf.ts';
import { DEFAULT_ENVELOPE, envelope, normaliseRows, rowPeaks, timeNormalise, type EnvelopeSettings } from './envelope.ts';
import { matchSynergies, permuteSynergies } from './matching.ts';
import type { EmgRecording } from './recording.ts';
import type { SimulatedStudy } from './simulate.ts';
import { hoyerSparseness } from './sparseness.ts';
import { linearRegression, meanOf, pairedTTest, sdOf, wilcoxonSignedRank, type PairedTTest, type Regression, type WilcoxonTest } from './stats.ts';
import { defaultPositions, interpolateMap, mapSummary, outlineGrid, type MapPoint, type MapOptions } from './topomap.ts';
import { chooseK } from './vaf.ts';

/**
 * A two-condition synergy study, end to end: envelopes → time-normalised task cycles → NMF per
 * participant and condition (all k, many restarts) → k → synergies matched across participants and
 * conditions → per-synergy measures → paired tests, a sparseness regression and EMG topographic maps.
 */
export interface StudySettings {
  envelope: EnvelopeSettings;
  nmf: NmfSettings;
  vafThreshold: number;
  elbowGain: number;
  /** k used to compare conditions; 0 = the k chosen most often. */
  comparisonK: number;
  /** "Active" while the profile is above this fraction of the participant's peak for that synergy. */
  durationThreshold: number;
  /** Points per time-normalised cycle (0–100 %). */
  cyclePoints: number;
  mapWindows: number;
  map: MapOptions;
}

export interface StudySession {
  participant: number;
  condition: 0 | 1;
  recording: EmgRecording;
  cycles: { start: number; end: number }[];
}

export interface StudyInput {
  muscles: string[];
  conditions: [string, string];
  participants: number;
  sessions: StudySession[];
  /** Maximal-contraction recording per participant (index = participant): each muscle is divided by
   *  its MVC envelope peak. Without it, by its peak over both conditions of that participant. */
  mvc?: EmgRecording[];
  /** Map positions per muscle; anatomical defaults when absent. */
  positions?: MapPoint[];
}

export interface ComparisonRow {
  measure: string;
  synergy: number;
  n: number;
  meanA: number;
  sdA: number;
  meanB: number;
  sdB: number;
  t: PairedTTest;
  wilcoxon: WilcoxonTest;
}

export interface SessionResult {
  participant: number;
  condition: 0 | 1;
  vafByK: number[];
  chosenK: number;
  elbowK: number;
  /** At the comparison k, after matching: [m, k] */
  w: Float32Array;
  /** Mean activation profile per synergy over the trials: [k, cyclePoints] */
  profiles: Float32Array;
  recruitment: number[];
  durationPercent: number[];
  sparseness: number[];
  /** Time-normalised envelope averaged over trials: [m, cyclePoints] */
  meanEnvelope: Float32Array;
  backend: NmfRun['backend'];
}

export interface MapAnalysis {
  /** Per condition, per window, per muscle: group-mean activation [windows, m] */
  windowValues: [Float32Array, Float32Array];
  /** Per participant and condition: mean over windows of the map mean / entropy */
  meanByParticipant: [number[], number[]];
  entropyByParticipant: [number[], number[]];
  rows: ComparisonRow[];
}

export interface StudyResult {
  muscles: string[];
  conditions: [string, string];
  k: number;
  sessions: SessionResult[];
  /** Histogram of chosen k: index k − 1 */
  chosenKCounts: number[];
  /** Per synergy: cosine similarity of each participant's W between conditions */
  similarityBetweenConditions: number[][];
  rows: ComparisonRow[];
  /** Per synergy and muscle: weights A vs B */
  weightRows: (ComparisonRow & { muscle: string })[];
  sparsenessRegression: Regression;
  maps: MapAnalysis;
  positions: MapPoint[];
  seconds: number;
}

export async function runStudy(input: StudyInput, settings: StudySettings, solver: NmfSolver, hooks: NmfHooks = {}): Promise<StudyResult> {
  const started = performance.now();
  const cancel = hooks.cancel ?? neverCancelled;
  const m = input.muscles.length;
  const points = settings.cyclePoints;

  // 1. Envelopes, cycles to 0–100 %, and per-participant normalisation over both conditions, so a
  //    condition with less activity keeps its lower level.
  const cycleMatrices = input.sessions.map((session, index) => {
    hooks.progress?.({ phase: 'Envelopes', done: index, total: input.sessions.length, message: session.recording.name });
    cancel.throwIfCancelled();
    const env = envelope(session.recording, settings.envelope);
    const step = session.recording.samples / env.samples;
    const cycles = session.cycles.map(({ start, end }) => ({ start: Math.floor(start / step), end: Math.min(env.samples, Math.ceil(end / step)) }));
    return timeNormalise(env.data, m, cycles, points);
  });
  const normalised = input.sessions.map((session, index) => {
    const mvc = input.mvc?.[session.participant];
    if (mvc) return normaliseRows(cycleMatrices[index], rowPeaks(envelope(mvc, settings.envelope).data, m));
    const partners = input.sessions.map((s, i) => (s.participant === session.participant ? i : -1)).filter((i) => i >= 0);
    const peaks = new Float64Array(m);
    for (const i of partners) {
      const data = cycleMatrices[i];
      const cols = data.length / m;
      for (let r = 0; r < m; r++) for (let j = 0; j < cols; j++) peaks[r] = Math.max(peaks[r], data[r * cols + j]);
    }
    return normaliseRows(cycleMatrices[index], peaks);
  });

  // 2. NMF for every session: every k, every restart.
  const runs: NmfRun[] = [];
  for (let index = 0; index < input.sessions.length; index++) {
    const data = normalised[index];
    const name = input.sessions[index].recording.name;
    runs.push(
      await solver({ e: data, m, n: data.length / m }, settings.nmf, {
        cancel,
        progress: (p) => hooks.progress?.({ phase: 'NMF', done: index * p.total + p.done, total: input.sessions.length * p.total, message: name }),
      }),
    );
  }

  // 3. k per session, and one k for the comparison.
  const choices = runs.map((run) => chooseK(run.best.map((fit) => fit.vaf), settings.vafThreshold, settings.elbowGain));
  const chosenKCounts = new Array(settings.nmf.kMax).fill(0);
  choices.forEach((c) => chosenKCounts[c.k - 1]++);
  const k = settings.comparisonK > 0 ? Math.min(settings.comparisonK, settings.nmf.kMax) : chosenKCounts.indexOf(Math.max(...chosenKCounts)) + 1;

  // 4. Match synergies to a group reference (iterated mean of matched sets), synergy 1 = most recruited at baseline.
  const matched = matchAll(runs.map((run) => run.best[k - 1]), input.sessions, m, k);

  // 5. Per-session measures.
  hooks.progress?.({ phase: 'Statistics', done: 0, total: 1 });
  const sessions = input.sessions.map((session, index): SessionResult => {
    const { w, h } = matched[index];
    const trials = session.cycles.length;
    const profiles = new Float32Array(k * points);
    for (let r = 0; r < k; r++) for (let t = 0; t < trials; t++) for (let p = 0; p < points; p++) profiles[r * points + p] += h[r * trials * points + t * points + p] / trials;
    const meanEnvelope = new Float32Array(m * points);
    const e = normalised[index];
    for (let i = 0; i < m; i++) for (let t = 0; t < trials; t++) for (let p = 0; p < points; p++) meanEnvelope[i * points + p] += e[i * trials * points + t * points + p] / trials;
    return {
      participant: session.participant,
      condition: session.condition,
      vafByK: runs[index].best.map((fit) => fit.vaf),
      chosenK: choices[index].k,
      elbowK: choices[index].elbowK,
      w,
      profiles,
      recruitment: Array.from({ length: k }, (_, r) => meanOf(Array.from(profiles.subarray(r * points, (r + 1) * points)))),
      durationPercent: [],
      sparseness: Array.from({ length: k }, (_, r) => hoyerSparseness(Array.from({ length: m }, (_, i) => w[i * k + r]))),
      meanEnvelope,
      backend: runs[index].backend,
    };
  });
  fillDurations(sessions, k, points, settings.durationThreshold);

  const pairs = pairUp(sessions, input.participants);
  const similarityBetweenConditions = Array.from({ length: k }, (_, r) =>
    pairs.map(([a, b]) => cosineColumn(a.w, b.w, r, k, m)),
  );
  const rows: ComparisonRow[] = [];
  for (let r = 0; r < k; r++) {
    rows.push(compare('Recruitment level (mean activation)', r, pairs.map(([a, b]) => [a.recruitment[r], b.recruitment[r]])));
    rows.push(compare(`Duration above ${Math.round(settings.durationThreshold * 100)} % of peak (% cycle)`, r, pairs.map(([a, b]) => [a.durationPercent[r], b.durationPercent[r]])));
    rows.push(compare('Sparseness (Hoyer)', r, pairs.map(([a, b]) => [a.sparseness[r], b.sparseness[r]])));
  }
  const weightRows = [];
  for (let r = 0; r < k; r++) {
    for (let i = 0; i < m; i++) weightRows.push({ ...compare('Weight', r, pairs.map(([a, b]) => [a.w[i * k + r], b.w[i * k + r]])), muscle: input.muscles[i] });
  }
  const sparsenessRegression = linearRegression(
    pairs.flatMap(([a]) => a.sparseness),
    pairs.flatMap(([, b]) => b.sparseness),
  );
  const positions = input.positions ?? defaultPositions(input.muscles);
  const maps = analyseMaps(sessions, pairs, { muscles: m, points, windows: settings.mapWindows, positions, map: settings.map });
  hooks.progress?.({ phase: 'Statistics', done: 1, total: 1 });
  return {
    muscles: input.muscles,
    conditions: input.conditions,
    k,
    sessions,
    chosenKCounts,
    similarityBetweenConditions,
    rows,
    weightRows,
    sparsenessRegression,
    maps,
    positions,
    seconds: (performance.now() - started) / 1000,
  };
}

function matchAll(fits: { w: Float32Array; h: Float32Array }[], sessions: StudySession[], m: number, k: number): { w: Float32Array; h: Float32Array }[] {
  let reference = fits[0].w;
  let matched = fits;
  for (let pass = 0; pass < 5; pass++) {
    matched = fits.map((fit) => permuteSynergies(fit.w, fit.h, matchSynergies(reference, fit.w, k, m).partner, m));
    reference = meanColumns(matched.map((fit) => fit.w), m, k);
  }
  // Order the reference's synergies by baseline recruitment, largest first.
  const baseline = matched.filter((_, i) => sessions[i].condition === 0);
  const recruitment = Array.from({ length: k }, (_, r) => meanOf(baseline.map((fit) => meanOf(Array.from(fit.h.subarray((r * fit.h.length) / k, ((r + 1) * fit.h.length) / k))))));
  const order = recruitment.map((_, r) => r).sort((a, b) => recruitment[b] - recruitment[a]);
  return matched.map((fit) => permuteSynergies(fit.w, fit.h, order, m));
}

function meanColumns(ws: Float32Array[], m: number, k: number): Float32Array {
  const mean = new Float32Array(m * k);
  for (const w of ws) for (let i = 0; i < m * k; i++) mean[i] += w[i] / ws.length;
  for (let r = 0; r < k; r++) {
    let norm = 0;
    for (let i = 0; i < m; i++) norm += mean[i * k + r] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) mean[i * k + r] = norm > 0 ? mean[i * k + r] / norm : 0;
  }
  return mean;
}

function cosineColumn(a: Float32Array, b: Float32Array, r: number, k: number, m: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < m; i++) {
    dot += a[i * k + r] * b[i * k + r];
    na += a[i * k + r] ** 2;
    nb += b[i * k + r] ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

/** Duration above threshold × the participant's peak of that synergy's profile over both conditions. */
function fillDurations(sessions: SessionResult[], k: number, points: number, threshold: number): void {
  for (const session of sessions) {
    const own = sessions.filter((s) => s.participant === session.participant);
    session.durationPercent = Array.from({ length: k }, (_, r) => {
      const peak = Math.max(...own.map((s) => Math.max(...s.profiles.subarray(r * points, (r + 1) * points))));
      let above = 0;
      for (let p = 0; p < points; p++) if (session.profiles[r * points + p] >= threshold * peak) above++;
      return (100 * above) / points;
    });
  }
}

function pairUp(sessions: SessionResult[], participants: number): [SessionResult, SessionResult][] {
  const pairs: [SessionResult, SessionResult][] = [];
  for (let p = 0; p < participants; p++) {
    const a = sessions.find((s) => s.participant === p && s.condition === 0);
    const b = sessions.find((s) => s.participant === p && s.condition === 1);
    if (a && b) pairs.push([a, b]);
  }
  if (pairs.length < 2) throw new RangeError(`a paired comparison needs at least 2 participants with both conditions, got ${pairs.length}`);
  return pairs;
}

export function compare(measure: string, synergy: number, values: [number, number][]): ComparisonRow {
  const a = values.map(([x]) => x);
  const b = values.map(([, y]) => y);
  const t = pairedTTest(a, b);
  return { measure, synergy: synergy + 1, n: t.n, meanA: meanOf(a), sdA: sdOf(a), meanB: meanOf(b), sdB: sdOf(b), t, wilcoxon: wilcoxonSignedRank(a, b) };
}

export interface MapSetup {
  muscles: number;
  points: number;
  windows: number;
  positions: MapPoint[];
  map: MapOptions;
}

/**
 * Topographic maps per participant, condition and time window (the mean envelope of each muscle in
 * that stretch of the cycle), summarised by their mean and entropy and compared between conditions.
 */
export function analyseMaps(sessions: SessionResult[], pairs: [SessionResult, SessionResult][], setup: MapSetup): MapAnalysis {
  const { muscles: m, points, windows } = setup;
  const grid = outlineGrid();
  const windowsOf = (session: SessionResult) =>
    Array.from({ length: windows }, (_, w) => {
      const from = Math.floor((w * points) / windows);
      const to = Math.max(from + 1, Math.floor(((w + 1) * points) / windows));
      return Array.from({ length: m }, (_, i) => meanOf(Array.from(session.meanEnvelope.subarray(i * points + from, i * points + to))));
    });
  const summaries = (session: SessionResult) => windowsOf(session).map((values) => mapSummary(interpolateMap(values, setup.positions, grid, setup.map)));
  const meanByParticipant: [number[], number[]] = [[], []];
  const entropyByParticipant: [number[], number[]] = [[], []];
  for (const pair of pairs) {
    pair.forEach((session, condition) => {
      const s = summaries(session);
      meanByParticipant[condition].push(meanOf(s.map((x) => x.mean)));
      entropyByParticipant[condition].push(meanOf(s.map((x) => x.entropyBits)));
    });
  }
  const windowValues = ([0, 1] as const).map((condition) => {
    const values = new Float32Array(windows * m);
    const group = pairs.map((pair) => windowsOf(pair[condition]));
    for (let w = 0; w < windows; w++) for (let i = 0; i < m; i++) values[w * m + i] = meanOf(group.map((g) => g[w][i]));
    return values;
  }) as [Float32Array, Float32Array];
  const rows = [
    compare('Map mean activation', -1, meanByParticipant[0].map((v, i) => [v, meanByParticipant[1][i]])),
    compare('Map entropy (bits)', -1, entropyByParticipant[0].map((v, i) => [v, entropyByParticipant[1][i]])),
  ];
  return { windowValues, meanByParticipant, entropyByParticipant, rows };
}

export const DEFAULT_STUDY_SETTINGS: StudySettings = {
  envelope: DEFAULT_ENVELOPE,
  nmf: { ...DEFAULT_NMF, kMax: 5, restarts: 8 },
  vafThreshold: 0.9,
  elbowGain: 0.05,
  comparisonK: 0,
  durationThreshold: 0.5,
  cyclePoints: 101,
  mapWindows: 10,
  map: { method: 'idw' },
};

export function studyInputFromSimulation(study: SimulatedStudy): StudyInput {
  return {
    muscles: study.design.muscles,
    conditions: study.design.conditions,
    participants: study.design.participants,
    sessions: study.sessions,
    mvc: study.mvc,
  };
}
