/**
 * `npm run bench:caption`: training steps/s of the captioning lab's three tfjs models at the CLI's default
 * sizes (video–text model: batch 32 clips of 16 frames of 16 × 16 × 3 pooled pixels; edit classifier: ~380
 * token windows; keyword-refined captioner: batch 32, 15 tokens, width 64), on tfjs-wasm (the CLI's and the
 * page's CPU path) and on tfjs-webgpu where a hardware adapter exists (under Node through the `webgpu`
 * package, Dawn; software adapters are skipped as DESIGN §2 says, so such a machine's rows say "no adapter").
 * Plus pseudo-labelling chains/s (typed-array loops). Flags: --steps 20 (timed steps per model) --clips 64
 */
import { formatTable, machineDescription, writeResults, type Row } from './harness/report.ts';
import { CAPTIONER_DEFAULTS, trainCaptioner } from '../src/lib/caption/captioner.ts';
import { CLASSIFIER_DEFAULTS, trainClassifier } from '../src/lib/caption/classifier.ts';
import { WORLD_DEFAULTS, worldDataset } from '../src/lib/caption/dataset.ts';
import { ENCODER_DEFAULTS, dot, trainEncoder } from '../src/lib/caption/encoder.ts';
import { FUNCTION_WORDS } from '../src/lib/caption/grammar.ts';
import { trainTrigramLm } from '../src/lib/caption/ngramLm.ts';
import { PSEUDO_DEFAULTS, pseudoLabel } from '../src/lib/caption/pseudoLabel.ts';
import type { Tf } from '../src/lib/caption/tfParts.ts';
import { Vocabulary } from '../src/lib/caption/vocab.ts';
import { openNodeTfWebgpu, useTfBackend } from './harness/tfWebgpu.ts';
import { nodeTf } from '../src/lib/opt/cpu/nodeTf.ts';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}
const steps = Number(flag('steps', '20'));
const clips = Number(flag('clips', '64'));
const tf = (await nodeTf()) as unknown as Tf;

const { missing: webgpuMissing, label: webgpuLabel } = await openNodeTfWebgpu();
const onBackend = (name: 'wasm' | 'webgpu') => useTfBackend(tf, name);

const data = worldDataset({ ...WORLD_DEFAULTS, train: clips, test: 0 });
const available = new Map(data.splits.train.map((id) => [id, data.clips.get(id)!.captions.slice()]));
const vocab = new Vocabulary([...available.values()].flat());
const isKeyword = (id: number) => id > 3 && !FUNCTION_WORDS.has(vocab.words[id]);
const sentences = [...available.values()].flat().map((s) => vocab.encode(s));

/** Steps/s from the times of step 2 … steps+1 (step 1 pays for kernel compilation and warm-up). */
async function timeSteps(train: (onStep: (step: number) => void) => Promise<unknown>): Promise<number> {
  let first = 0;
  let last = 0;
  await train((step) => {
    if (step === 1) first = performance.now();
    if (step === steps + 1) last = performance.now();
  });
  return (steps * 1000) / (last - first);
}

const rows: Row[] = [];
for (const backend of ['wasm', 'webgpu'] as const) {
  if (backend === 'webgpu' && webgpuMissing) {
    for (const model of ['video–text model', 'edit classifier', 'captioner']) rows.push({ backend: 'tfjs webgpu', model, 'steps/s': webgpuMissing, 'ms/step': '—' });
    continue;
  }
  await onBackend(backend);
  let encoder: Awaited<ReturnType<typeof trainEncoder>> | undefined;
  const encoderRate = await timeSteps(async (onStep) => (encoder = await trainEncoder(tf, data, available, vocab, { ...ENCODER_DEFAULTS, steps: steps + 1 }, onStep)));
  const classifierRate = await timeSteps((onStep) => trainClassifier(tf, sentences, isKeyword, vocab.size, { ...CLASSIFIER_DEFAULTS, steps: steps + 1 }, onStep));
  const keywordIds = [...new Set(sentences.flat().filter(isKeyword))];
  const keywordTargets = new Map([...available].map(([id, list]) => [id, new Set(list.flatMap((c) => vocab.encode(c)).filter(isKeyword))]));
  const pairs = [...available].flatMap(([clipId, list]) => list.map((caption) => ({ clipId, caption })));
  const captionerRate = await timeSteps(async (onStep) => {
    const model = await trainCaptioner(tf, { frames: data.frames, tokenWidth: encoder!.width, frameTokens: encoder!.frameTokens, pairs, vocab, keywordIds, keywordTargets }, { ...CAPTIONER_DEFAULTS, steps: steps + 1 }, onStep);
    model.dispose();
  });
  for (const [model, rate] of [['video–text model', encoderRate], ['edit classifier', classifierRate], ['captioner', captionerRate]] as const)
    rows.push({ backend: `tfjs ${backend}`, model, 'steps/s': rate, 'ms/step': 1000 / rate });
  if (backend === 'wasm') {
    const lm = trainTrigramLm(sentences, vocab.size);
    const start = performance.now();
    const chains = data.splits.train.map((id) => ({ id, caption: available.get(id)![0] }));
    pseudoLabel(chains, { lm, vocab, isKeyword }, (id, s) => dot(encoder!.videoEmbedding.get(id)!, encoder!.embedText(s)), { ...PSEUDO_DEFAULTS, actionSource: 'random' });
    const seconds = (performance.now() - start) / 1000;
    rows.push({ backend: 'typed arrays', model: `pseudo-labelling (${PSEUDO_DEFAULTS.steps}-step chains)`, 'steps/s': (chains.length * PSEUDO_DEFAULTS.steps) / seconds, 'ms/step': (1000 * seconds) / (chains.length * PSEUDO_DEFAULTS.steps) });
  }
}
console.log(formatTable(rows));
console.log(`webgpu: ${webgpuMissing ?? webgpuLabel}`);
await onBackend('wasm');
console.log(`tfjs: ${tf.getBackend()}, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')}`);
console.log(`machine: ${JSON.stringify(machineDescription())}; load average ${(await import('node:os')).loadavg().map((v) => v.toFixed(1)).join(' ')}`);
console.log(`results: ${writeResults('caption', { rows, machine: machineDescription() })}`);
