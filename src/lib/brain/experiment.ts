import type { ProgressCallback } from '../progress.ts';
import { Rng } from '../util/random.ts';
import { subjectSimilarity, zscoreVoxels, type BrainDataset } from './dataset.ts';
import { ARCHS, makeDecoder, type Arch, type Decoder, type Tf } from './decoders.ts';
import { ENCODER_DEFAULTS, encodeImagesCached, type EncoderOptions, type ImageRows } from './encoder.ts';
import { chanceTopK, cosineMatrix, topKAccuracy, topKIndices } from './retrieval.ts';
import { NONLINEARITIES, checkSimulatorConfig, simulateSubjects, type Nonlinearity } from './simulator.ts';
import { meanSd, pearson, type Correlation } from './stats.ts';
import { embedRows, trainDecoder, type PooledData } from './train.ts';

/**
 * The lab's experiment (docs/brain.md): for each seed, architecture and training-set size n, train one
 * decoder on the first n subjects' training stimuli, then decode the held-out subjects' held-out
 * stimuli: N-way retrieval top-1/top-5 against the stimulus features. Plus, at the largest n, each
 * unseen subject's similarity to the training subjects vs its accuracy, and a per-subject fine-tuning
 * comparison. Defaults are the CLI's; the page's presets are lighter (pageSettings.ts).
 */
export interface BrainConfig {
  subjects: number[]; // training-set sizes (nested: the first n subjects of the pool)
  testSubjects: number; // held-out subjects
  archs: Arch[];
  seeds: number[];
  // simulator (ignored for imported data)
  similarity: number; // ρ
  clusters: number;
  clusterShare: number; // γ
  noise: number;
  noiseSpread: number;
  side: number; // the sheet is side × side voxels
  smoothness: number;
  shift: number;
  nonlinearity: Nonlinearity;
  // stimuli
  trainStimuli: number;
  testStimuli: number; // N of the N-way retrieval
  featureDim: number;
  encoderSteps: number; // Adam steps of the image autoencoder (cached per worker/process)
  // training
  steps: number;
  batch: number;
  learningRate: number;
  temperature: number;
  fineTuneSubjects: number; // held-out subjects given the fine-tuning comparison (0 = none)
  fineTuneSteps: number;
}

export const BRAIN_DEFAULTS: BrainConfig = {
  subjects: [1, 2, 4, 8, 16],
  testSubjects: 8,
  archs: ['mlp'],
  seeds: [0],
  similarity: 0.8,
  clusters: 4,
  clusterShare: 0.5,
  noise: 3,
  noiseSpread: 0.5,
  side: 32,
  smoothness: 1.5,
  shift: 0,
  nonlinearity: 'tanh',
  trainStimuli: 500,
  testStimuli: 100,
  featureDim: 32,
  encoderSteps: 200,
  steps: 300,
  batch: 64,
  learningRate: 1e-3,
  temperature: 0.1,
  fineTuneSubjects: 2,
  fineTuneSteps: 100,
};

export interface CurvePoint {
  arch: Arch;
  subjects: number;
  top1: number;
  top1Sd: number;
  top5: number;
  top5Sd: number;
  chance: number; // top-1 chance, 1/N
  chanceTop5: number;
  /** Per seed: the mean over held-out subjects. */
  perSeed: { seed: number; top1: number; top5: number }[];
}

export interface SimilarityPoint {
  seed: number;
  subject: string;
  cluster?: number;
  similarity: number; // mean cosine similarity to the training subjects (test stimuli)
  top1: number;
  top5: number;
}

export interface SimilarityReport {
  arch: Arch;
  trainSubjects: number;
  points: SimilarityPoint[];
  top1: Correlation;
  top5: Correlation;
}

export interface FineTuneRow {
  arch: Arch;
  seed: number;
  subject: string;
  zeroShot: number; // top-1 of the pooled decoder, never seeing this subject
  fineTuned: number; // pooled decoder + fineTuneSteps on this subject's training stimuli
  subjectOnly: number; // a fresh decoder trained `steps` on this subject alone
}

export interface GalleryItem {
  stimulus: number;
  retrieved: number[]; // top-5 stimulus indices, best first
}

export interface BrainResult {
  curve: CurvePoint[];
  similarity: SimilarityReport[];
  fineTune: FineTuneRow[];
  gallery: { arch: Arch; subject: string; items: GalleryItem[]; images: { index: number; pixels: number[] }[]; width: number; height: number } | null;
  /** A few subjects' z-scored responses to one test stimulus, and (simulated) their noise-free map of feature 1. */
  voxelMaps: { subject: string; cluster?: number; values: number[]; encoding?: number[] }[];
  sheet: { width: number; height: number };
  nWay: number;
  encoder?: { lossStart: number; lossEnd: number; seconds: number };
  seconds: number;
  compute?: string;
}

/** Where the stimuli and responses come from: simulated subjects on MNIST, or imported data. */
export type BrainSource = { kind: 'mnist'; images: ImageRows; encoder?: EncoderOptions } | { kind: 'data'; dataset: BrainDataset };

export interface BrainRunOptions {
  onProgress?: ProgressCallback;
}

export function poolSize(config: BrainConfig): number {
  return Math.max(...config.subjects);
}

export function checkBrainConfig(config: BrainConfig, available?: { subjects: number; stimuli: number }): BrainConfig {
  const bad = (message: string) => new RangeError(message);
  if (config.subjects.length === 0) throw bad('give at least one training-set size');
  for (const n of config.subjects) if (!Number.isInteger(n) || n < 1 || n > 256) throw bad(`every training-set size must be an integer in 1…256, got ${n}`);
  if (!Number.isInteger(config.testSubjects) || config.testSubjects < 1) throw bad(`held-out subjects must be an integer ≥ 1, got ${config.testSubjects}`);
  if (config.archs.length === 0) throw bad('give at least one architecture');
  for (const arch of config.archs) if (!ARCHS.includes(arch)) throw bad(`architecture must be one of ${ARCHS.join(', ')}, got "${arch}"`);
  if (config.seeds.length === 0 || config.seeds.some((s) => !Number.isInteger(s) || s < 0)) throw bad(`seeds must be integers ≥ 0, got ${config.seeds.join(',')}`);
  if (!Number.isInteger(config.testStimuli) || config.testStimuli < 5) throw bad(`N-way retrieval needs at least 5 test stimuli, got ${config.testStimuli}`);
  if (!Number.isInteger(config.steps) || config.steps < 1) throw bad(`steps must be an integer ≥ 1, got ${config.steps}`);
  if (!Number.isInteger(config.batch) || config.batch < 2) throw bad(`batch must be an integer ≥ 2, got ${config.batch}`);
  if (!(config.learningRate > 0)) throw bad(`learning rate must be > 0, got ${config.learningRate}`);
  if (!(config.temperature > 0)) throw bad(`temperature τ must be > 0, got ${config.temperature}`);
  if (!Number.isInteger(config.fineTuneSubjects) || config.fineTuneSubjects < 0) throw bad(`fine-tune subjects must be an integer ≥ 0, got ${config.fineTuneSubjects}`);
  if (config.fineTuneSubjects > 0 && (!Number.isInteger(config.fineTuneSteps) || config.fineTuneSteps < 1)) throw bad(`fine-tune steps must be an integer ≥ 1, got ${config.fineTuneSteps}`);
  if (available) {
    if (poolSize(config) + config.testSubjects > available.subjects) {
      throw bad(`${poolSize(config)} training + ${config.testSubjects} held-out subjects need ${poolSize(config) + config.testSubjects} subjects, the data has ${available.subjects}`);
    }
    if (config.testStimuli >= available.stimuli - 1) throw bad(`${config.testStimuli} test stimuli leave too few of the ${available.stimuli} for training`);
  } else {
    if (!Number.isInteger(config.trainStimuli) || config.trainStimuli < 2) throw bad(`training stimuli must be an integer ≥ 2, got ${config.trainStimuli}`);
    if (!Number.isInteger(config.featureDim) || config.featureDim < 2 || config.featureDim > 256) throw bad(`feature dimension must be an integer in 2…256, got ${config.featureDim}`);
    if (!Number.isInteger(config.encoderSteps) || config.encoderSteps < 1) throw bad(`encoder steps must be an integer ≥ 1, got ${config.encoderSteps}`);
    if (!NONLINEARITIES.includes(config.nonlinearity)) throw bad(`nonlinearity must be one of ${NONLINEARITIES.join(', ')}, got "${config.nonlinearity}"`);
    checkSimulatorConfig({ ...simulatorPart(config, 0), subjects: poolSize(config) + config.testSubjects });
  }
  return config;
}

function simulatorPart(config: BrainConfig, seed: number) {
  const { similarity, clusters, clusterShare, noise, noiseSpread, smoothness, shift, nonlinearity } = config;
  return { sheet: { width: config.side, height: config.side }, similarity, clusters, clusterShare, noise, noiseSpread, smoothness, shift, nonlinearity, seed };
}

/** Rows of a set of stimuli from a [n, cols] matrix, in the given order. */
function pickRows(matrix: Float32Array, cols: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => out.set(matrix.subarray(row * cols, (row + 1) * cols), i * cols));
  return out;
}

/** Standardised, then L2-normalised targets [n, d]. */
export function contrastiveTargets(features: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let k = 0; k < d; k++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += features[i * d + k];
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (features[i * d + k] - mean) ** 2;
    const scale = variance > 0 ? 1 / Math.sqrt(variance / n) : 0;
    for (let i = 0; i < n; i++) out[i * d + k] = (features[i * d + k] - mean) * scale;
  }
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let k = 0; k < d; k++) norm += out[i * d + k] ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < d; k++) out[i * d + k] *= scale;
  }
  return out;
}

interface Prepared {
  dataset: BrainDataset;
  data: PooledData;
  trainStimuli: number[];
  testStimuli: number[];
  pool: number[]; // subject indices, training order
  held: number[]; // held-out subject indices
  stimulusImages?: number[]; // image index of each stimulus (MNIST)
}

async function prepare(tf: Tf, config: BrainConfig, source: BrainSource, seed: number, onEncoderStep: (done: number) => void): Promise<Prepared & { encoder?: BrainResult['encoder'] }> {
  let dataset: BrainDataset;
  let stimulusImages: number[] | undefined;
  let encoder: BrainResult['encoder'];
  const rng = new Rng(0xb4a1 + 65537 * seed);
  if (source.kind === 'mnist') {
    const options = { ...ENCODER_DEFAULTS, ...source.encoder, featureDim: config.featureDim, steps: config.encoderSteps };
    const encoded = await encodeImagesCached(tf, source.images, options, onEncoderStep);
    encoder = { lossStart: encoded.lossStart, lossEnd: encoded.lossEnd, seconds: encoded.seconds };
    const n = config.trainStimuli + config.testStimuli;
    const candidates = source.images.count - Math.min(options.trainImages, source.images.count);
    if (n > candidates) throw new RangeError(`${n} stimuli asked for, ${candidates} images are left after the encoder's ${options.trainImages}`);
    stimulusImages = rng.shuffle(Array.from({ length: candidates }, (_, i) => i)).slice(0, n);
    const features = pickRows(encoded.features, options.featureDim, stimulusImages);
    dataset = simulateSubjects(features, n, options.featureDim, { ...simulatorPart(config, seed), subjects: poolSize(config) + config.testSubjects });
    const p = source.images.width * source.images.height;
    dataset.images = { pixels: pickRows(source.images.pixels, p, stimulusImages), width: source.images.width, height: source.images.height };
  } else {
    dataset = source.dataset;
  }
  const n = dataset.nStimuli;
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const testStimuli = order.slice(0, config.testStimuli);
  const trainStimuli = order.slice(config.testStimuli);
  // Simulated subjects are exchangeable; real ones are shuffled by seed so each seed is a new split.
  const subjectOrder = Array.from({ length: dataset.subjects.length }, (_, i) => i);
  if (source.kind === 'data') rng.shuffle(subjectOrder);
  const pool = subjectOrder.slice(0, poolSize(config));
  const held = subjectOrder.slice(poolSize(config), poolSize(config) + config.testSubjects);
  const data: PooledData = {
    voxels: dataset.voxels,
    featureDim: dataset.featureDim,
    responses: dataset.subjects.map((s) => zscoreVoxels(s.responses, n, dataset.voxels)),
    targets: contrastiveTargets(dataset.features, n, dataset.featureDim),
  };
  return { dataset, data, trainStimuli, testStimuli, pool, held, stimulusImages, encoder };
}

/** Top-1/top-5 N-way retrieval of one subject's test stimuli, and the score matrix. */
async function evaluate(tf: Tf, decoder: Decoder, prepared: Prepared, subject: number): Promise<{ top1: number; top5: number; scores: Float64Array }> {
  const { data, testStimuli } = prepared;
  const embedded = await embedRows(tf, decoder, pickRows(data.responses[subject], data.voxels, testStimuli), data.voxels);
  const scores = cosineMatrix(embedded, pickRows(data.targets, data.featureDim, testStimuli), data.featureDim);
  const n = testStimuli.length;
  return { top1: topKAccuracy(scores, n, 1), top5: topKAccuracy(scores, n, 5), scores };
}

export async function runBrainExperiment(tf: Tf, config: BrainConfig, source: BrainSource, options: BrainRunOptions = {}): Promise<BrainResult> {
  const started = performance.now();
  checkBrainConfig(config, source.kind === 'data' ? { subjects: source.dataset.subjects.length, stimuli: source.dataset.nStimuli } : undefined);
  const sizes = [...new Set(config.subjects)].sort((a, b) => a - b);
  const largest = sizes[sizes.length - 1];
  const fineTuneCount = Math.min(config.fineTuneSubjects, config.testSubjects);
  const perArchSeed = sizes.length * config.steps + fineTuneCount * (config.fineTuneSteps + config.steps);
  const total = config.seeds.length * config.archs.length * perArchSeed;
  let done = 0;
  // One phase for all decoder training, so the ETA covers the whole job; the message says which run is on.
  const report = (message: string) => options.onProgress?.({ phase: 'training decoders', done, total, message });
  const accuracy = new Map<string, { seed: number; top1: number; top5: number }[]>();
  const similarity: SimilarityReport[] = config.archs.map((arch) => ({ arch, trainSubjects: largest, points: [], top1: pearson([], []), top5: pearson([], []) }));
  const fineTune: FineTuneRow[] = [];
  let gallery: BrainResult['gallery'] = null;
  let voxelMaps: BrainResult['voxelMaps'] = [];
  let encoder: BrainResult['encoder'];
  let sheet = { width: 0, height: 0 };
  let nWay = config.testStimuli;

  for (const seed of config.seeds) {
    const prepared = await prepare(tf, config, source, seed, (step) => options.onProgress?.({ phase: 'training the image encoder', done: step, total: config.encoderSteps }));
    encoder ??= prepared.encoder;
    const { dataset, data, pool, held, testStimuli, trainStimuli } = prepared;
    sheet = dataset.sheet;
    nWay = testStimuli.length;
    if (voxelMaps.length === 0) {
      const stimulus = testStimuli[0];
      voxelMaps = [...pool.slice(0, 3), held[0]].map((s) => ({
        subject: dataset.subjects[s].id + (held.includes(s) ? ' (held out)' : ''),
        cluster: dataset.subjects[s].cluster,
        values: Array.from(data.responses[s].subarray(stimulus * data.voxels, (stimulus + 1) * data.voxels)),
        ...(dataset.subjects[s].encodingMap ? { encoding: Array.from(dataset.subjects[s].encodingMap!) } : {}),
      }));
    }
    for (const [a, arch] of config.archs.entries()) {
      const spec = { arch, sheet: dataset.sheet, outDim: dataset.featureDim, seed };
      const trainOptions = { stimuli: trainStimuli, steps: config.steps, batch: config.batch, learningRate: config.learningRate, temperature: config.temperature };
      for (const n of sizes) {
        const decoder = makeDecoder(tf, spec);
        try {
          const phase = `${arch}, ${n} training subject${n > 1 ? 's' : ''}${config.seeds.length > 1 ? `, seed ${seed}` : ''}`;
          await trainDecoder(tf, decoder, data, { ...trainOptions, subjects: pool.slice(0, n), seed: seed * 1000 + n, onStep: () => (done++, report(phase)) });
          const results = [];
          for (const s of held) results.push({ subject: s, ...(await evaluate(tf, decoder, prepared, s)) });
          const key = `${arch}|${n}`;
          const list = accuracy.get(key) ?? [];
          list.push({ seed, top1: meanSd(results.map((r) => r.top1)).mean, top5: meanSd(results.map((r) => r.top5)).mean });
          accuracy.set(key, list);
          if (n !== largest) continue;
          for (const r of results) {
            similarity[a].points.push({
              seed,
              subject: dataset.subjects[r.subject].id,
              cluster: dataset.subjects[r.subject].cluster,
              similarity: meanSd(pool.map((t) => subjectSimilarity(data.responses[r.subject], data.responses[t], data.voxels, testStimuli))).mean,
              top1: r.top1,
              top5: r.top5,
            });
          }
          if (!gallery) {
            const scores = results[0].scores;
            const items = testStimuli.slice(0, 6).map((stimulus, i) => ({ stimulus, retrieved: topKIndices(scores, testStimuli.length, i, 5).map((j) => testStimuli[j]) }));
            const images = dataset.images;
            const used = [...new Set(items.flatMap((item) => [item.stimulus, ...item.retrieved]))];
            gallery = {
              arch,
              subject: dataset.subjects[held[0]].id,
              items,
              images: images ? used.map((index) => ({ index, pixels: Array.from(images.pixels.subarray(index * images.width * images.height, (index + 1) * images.width * images.height), (v) => Math.round(v * 255)) })) : [],
              width: images?.width ?? 0,
              height: images?.height ?? 0,
            };
          }
          for (const [i, r] of results.slice(0, fineTuneCount).entries()) {
            const tuned = decoder.clone();
            const own = makeDecoder(tf, { ...spec, seed: seed + 7777 });
            try {
              const phase = `${arch}: fine-tuning on held-out ${dataset.subjects[r.subject].id}`;
              await trainDecoder(tf, tuned, data, { ...trainOptions, steps: config.fineTuneSteps, subjects: [r.subject], seed: seed * 1000 + 500 + i, onStep: () => (done++, report(phase)) });
              await trainDecoder(tf, own, data, { ...trainOptions, subjects: [r.subject], seed: seed * 1000 + 600 + i, onStep: () => (done++, report(`${arch}: ${dataset.subjects[r.subject].id} alone`)) });
              fineTune.push({ arch, seed, subject: dataset.subjects[r.subject].id, zeroShot: r.top1, fineTuned: (await evaluate(tf, tuned, prepared, r.subject)).top1, subjectOnly: (await evaluate(tf, own, prepared, r.subject)).top1 });
            } finally {
              tuned.dispose();
              own.dispose();
            }
          }
        } finally {
          decoder.dispose();
        }
      }
    }
  }
  const chance = chanceTopK(nWay, 1);
  const chanceTop5 = chanceTopK(nWay, 5);
  const curve: CurvePoint[] = config.archs.flatMap((arch) =>
    sizes.map((n) => {
      const perSeed = accuracy.get(`${arch}|${n}`) ?? [];
      const top1 = meanSd(perSeed.map((p) => p.top1));
      const top5 = meanSd(perSeed.map((p) => p.top5));
      return { arch, subjects: n, top1: top1.mean, top1Sd: top1.sd, top5: top5.mean, top5Sd: top5.sd, chance, chanceTop5, perSeed };
    }),
  );
  for (const report of similarity) {
    report.top1 = pearson(report.points.map((p) => p.similarity), report.points.map((p) => p.top1));
    report.top5 = pearson(report.points.map((p) => p.similarity), report.points.map((p) => p.top5));
  }
  return { curve, similarity, fineTune, gallery, voxelMaps, sheet, nWay, encoder, seconds: (performance.now() - started) / 1000 };
}
