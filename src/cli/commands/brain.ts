import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseFlags } from '../args.ts';
import { InputError } from '../../lib/errors.ts';
import { ARCHS, type Arch, type Tf } from '../../lib/brain/decoders.ts';
import { BRAIN_DEFAULTS, checkBrainConfig, runBrainExperiment, type BrainConfig, type BrainResult, type BrainSource } from '../../lib/brain/experiment.ts';
import { importDataset, type NamedFile } from '../../lib/brain/importData.ts';
import { NONLINEARITIES, type Nonlinearity } from '../../lib/brain/simulator.ts';
import { nodeTf } from '../../lib/opt/cpu/nodeTf.ts';
import { loadShippedMnist } from '../../lib/train/node.ts';
import { registerWasmConvFilterGrad } from '../../lib/train/wasmConvFilterGrad.ts';

/**
 * `npm run cli -- brain --subjects 1,4,16 --arch mlp|cnn|transformer[,…] --similarity 0.8 --seed 0`
 *   [--seeds 0,1,2] [--test-subjects 8 --clusters 4 --cluster-share 0.5 --noise 3 --noise-spread 0.5
 *   --side 32 --smoothness 1.5 --shift 0 --nonlinearity tanh --train-stimuli 500 --test-stimuli 100 --encoder-steps 200
 *   --steps 300 --batch 64 --lr 0.001 --temperature 0.1 --fine-tune-subjects 2 --fine-tune-steps 100]
 *   [--features F.npy|csv --responses S1.npy,S2.npy,… [--sheet 32x32]] [--details] [--quiet]
 * Cross-subject decoding (docs/brain.md) on tfjs-wasm. Prints one JSON line:
 * {"curve": [{"arch","subjects","top1","top1Sd","top5","top5Sd","chance","chanceTop5"}], "similarity": {arch: {…}},
 *  "fineTune": […], "seconds": s}; --details adds the per-subject similarity points and per-seed values.
 */
const FLAGS = {
  subjects: BRAIN_DEFAULTS.subjects.join(','),
  arch: BRAIN_DEFAULTS.archs.join(','),
  similarity: BRAIN_DEFAULTS.similarity,
  seed: 0,
  seeds: '',
  'test-subjects': BRAIN_DEFAULTS.testSubjects,
  clusters: BRAIN_DEFAULTS.clusters,
  'cluster-share': BRAIN_DEFAULTS.clusterShare,
  noise: BRAIN_DEFAULTS.noise,
  'noise-spread': BRAIN_DEFAULTS.noiseSpread,
  side: BRAIN_DEFAULTS.side,
  smoothness: BRAIN_DEFAULTS.smoothness,
  shift: BRAIN_DEFAULTS.shift,
  nonlinearity: BRAIN_DEFAULTS.nonlinearity as string,
  'train-stimuli': BRAIN_DEFAULTS.trainStimuli,
  'test-stimuli': BRAIN_DEFAULTS.testStimuli,
  'feature-dim': BRAIN_DEFAULTS.featureDim,
  'encoder-steps': BRAIN_DEFAULTS.encoderSteps,
  steps: BRAIN_DEFAULTS.steps,
  batch: BRAIN_DEFAULTS.batch,
  lr: BRAIN_DEFAULTS.learningRate,
  temperature: BRAIN_DEFAULTS.temperature,
  'fine-tune-subjects': BRAIN_DEFAULTS.fineTuneSubjects,
  'fine-tune-steps': BRAIN_DEFAULTS.fineTuneSteps,
  features: undefined,
  responses: undefined,
  sheet: undefined,
  details: false,
  quiet: false,
};

function integers(raw: string, flag: string): number[] {
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v))) throw new InputError(`--${flag} must be a comma-separated list of integers, got "${raw}"`);
  return values;
}

async function readNamed(path: string, flag: string): Promise<NamedFile> {
  try {
    return { name: basename(path), bytes: new Uint8Array(await readFile(path)) };
  } catch (error) {
    throw new InputError(`cannot read --${flag} ${path}`, (error as Error).message);
  }
}

export async function sourceFromFlags(flags: { features?: string; responses?: string; sheet?: string }): Promise<BrainSource> {
  if (flags.features === undefined && flags.responses === undefined) return { kind: 'mnist', images: await loadShippedMnist() };
  if (flags.features === undefined || flags.responses === undefined) throw new InputError('real data needs both --features and --responses');
  let sheet;
  if (flags.sheet !== undefined) {
    const match = /^(\d+)x(\d+)$/.exec(flags.sheet);
    if (!match) throw new InputError(`--sheet must look like 32x32 (width x height), got "${flags.sheet}"`);
    sheet = { width: Number(match[1]), height: Number(match[2]) };
  }
  const features = await readNamed(flags.features, 'features');
  const subjects = await Promise.all(flags.responses.split(',').map((p) => readNamed(p.trim(), 'responses')));
  return { kind: 'data', dataset: importDataset({ features, subjects, sheet }) };
}

export function configFromFlags(flags: ReturnType<typeof parseFlags<typeof FLAGS>>): BrainConfig {
  const archs = flags.arch.split(',').map((s) => s.trim()) as Arch[];
  for (const arch of archs) if (!ARCHS.includes(arch)) throw new InputError(`--arch must be one of ${ARCHS.join(', ')} (or a comma list), got "${arch}"`);
  if (!NONLINEARITIES.includes(flags.nonlinearity as Nonlinearity)) throw new InputError(`--nonlinearity must be one of ${NONLINEARITIES.join(', ')}, got "${flags.nonlinearity}"`);
  return {
    subjects: integers(flags.subjects, 'subjects'),
    testSubjects: flags['test-subjects'],
    archs,
    seeds: flags.seeds ? integers(flags.seeds, 'seeds') : [flags.seed],
    similarity: flags.similarity,
    clusters: flags.clusters,
    clusterShare: flags['cluster-share'],
    noise: flags.noise,
    noiseSpread: flags['noise-spread'],
    side: flags.side,
    smoothness: flags.smoothness,
    shift: flags.shift,
    nonlinearity: flags.nonlinearity as Nonlinearity,
    trainStimuli: flags['train-stimuli'],
    testStimuli: flags['test-stimuli'],
    featureDim: flags['feature-dim'],
    encoderSteps: flags['encoder-steps'],
    steps: flags.steps,
    batch: flags.batch,
    learningRate: flags.lr,
    temperature: flags.temperature,
    fineTuneSubjects: flags['fine-tune-subjects'],
    fineTuneSteps: flags['fine-tune-steps'],
  };
}

/** The CLI's JSON: the curve, the similarity analysis per architecture, the fine-tuning rows. */
export function summarise(result: BrainResult, details: boolean) {
  return {
    curve: result.curve.map(({ perSeed, ...point }) => (details ? { ...point, perSeed } : point)),
    similarity: Object.fromEntries(
      result.similarity.map((s) => [
        s.arch,
        { trainSubjects: s.trainSubjects, r: s.top1.r, p: s.top1.p, n: s.top1.n, top5: { r: s.top5.r, p: s.top5.p }, ...(details ? { points: s.points } : {}) },
      ]),
    ),
    fineTune: result.fineTune,
    nWay: result.nWay,
    seconds: result.seconds,
  };
}

export async function run(argv: string[]) {
  const flags = parseFlags(argv, FLAGS);
  const config = configFromFlags(flags);
  const source = await sourceFromFlags(flags);
  try {
    checkBrainConfig(config, source.kind === 'data' ? { subjects: source.dataset.subjects.length, stimuli: source.dataset.nStimuli } : undefined);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
  const tf = (await nodeTf()) as unknown as Tf;
  registerWasmConvFilterGrad();
  let lastReport = 0;
  const result = await runBrainExperiment(tf, config, source, {
    onProgress: (p) => {
      const now = Date.now();
      if (flags.quiet || (now - lastReport < 2000 && p.done !== p.total)) return;
      lastReport = now;
      process.stderr.write(`${p.phase}${p.message ? ` (${p.message})` : ''}: ${p.done}/${p.total}\n`);
    },
  });
  return summarise(result, flags.details);
}
