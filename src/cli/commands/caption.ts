import { readFile } from 'node:fs/promises';
import { parseFlags } from '../args.ts';
import { InputError } from '../../lib/errors.ts';
import { CAPTION_DEFAULTS, runCaptionExperiment, type Ablation, type CaptionConfig, type Setting } from '../../lib/caption/experiment.ts';
import { importDataset, parseCaptionsJson, parseFeaturesJson, parseNpyFeatures } from '../../lib/caption/dataset.ts';
import type { Tf } from '../../lib/caption/tfParts.ts';
import { nodeTf } from '../../lib/opt/cpu/nodeTf.ts';

/**
 * `npm run cli -- caption --setting full|few|few+pseudo [--ablation none|random-edits|no-penalty|no-refiner]
 *   --seed 0 [--train 400 --test 100 --frames 16 --size 64 --encoder-steps 300 --classifier-steps 300
 *   --captioner-steps 500 --theta 1.6 --keep 3 --beam 1] [--captions C.json --features F.json | --npy a.npy,b.npy]`:
 * the few-supervised captioning pipeline on tfjs-wasm (docs/captioning.md). Prints one JSON line:
 * the setting, seed, BLEU-1…4, ROUGE-L, CIDEr-D on the test clips, and the run's statistics and times.
 */
const FLAGS = {
  setting: CAPTION_DEFAULTS.setting as string,
  ablation: 'none',
  seed: 0,
  train: CAPTION_DEFAULTS.world.train,
  test: CAPTION_DEFAULTS.world.test,
  frames: CAPTION_DEFAULTS.world.frames,
  size: CAPTION_DEFAULTS.world.size,
  'encoder-steps': CAPTION_DEFAULTS.encoder.steps,
  'classifier-steps': CAPTION_DEFAULTS.classifier.steps,
  'captioner-steps': CAPTION_DEFAULTS.captioner.steps,
  theta: CAPTION_DEFAULTS.pseudo.theta,
  keep: CAPTION_DEFAULTS.pseudo.keep,
  beam: CAPTION_DEFAULTS.captioner.beam,
  captions: undefined,
  features: undefined,
  npy: undefined,
  quiet: false,
};

async function read(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new InputError(`cannot read --${flag} ${path}`, (error as Error).message);
  }
}

export async function run(argv: string[]) {
  const flags = parseFlags(argv, FLAGS);
  const config: CaptionConfig = {
    ...CAPTION_DEFAULTS,
    setting: flags.setting as Setting,
    ablation: flags.ablation as Ablation,
    seed: flags.seed,
    world: { ...CAPTION_DEFAULTS.world, train: flags.train, test: flags.test, frames: flags.frames, size: flags.size },
    encoder: { ...CAPTION_DEFAULTS.encoder, steps: flags['encoder-steps'] },
    classifier: { ...CAPTION_DEFAULTS.classifier, steps: flags['classifier-steps'] },
    pseudo: { ...CAPTION_DEFAULTS.pseudo, theta: flags.theta, keep: flags.keep },
    captioner: { ...CAPTION_DEFAULTS.captioner, steps: flags['captioner-steps'], beam: flags.beam },
  };
  let dataset;
  if (flags.captions !== undefined) {
    const captions = parseCaptionsJson((await read(flags.captions, 'captions')).toString('utf8'), flags.captions);
    let table;
    if (flags.features !== undefined) table = parseFeaturesJson((await read(flags.features, 'features')).toString('utf8'), flags.features);
    else if (flags.npy !== undefined) {
      const files = await Promise.all(flags.npy.split(',').map(async (name) => {
        const bytes = await read(name, 'npy');
        return { name, bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer };
      }));
      table = parseNpyFeatures(files);
    } else throw new InputError('--captions needs --features F.json or --npy a.npy,b.npy');
    dataset = importDataset(captions, table, flags.seed);
  }
  const tf = (await nodeTf()) as unknown as Tf;
  let last = 0;
  const result = await runCaptionExperiment(tf, config, {
    dataset,
    onProgress: (p) => {
      const now = Date.now();
      if (flags.quiet || (now - last < 3000 && p.done !== p.total)) return;
      last = now;
      process.stderr.write(`${p.phase}: ${p.done}/${p.total}${p.message ? ` ${p.message}` : ''}\n`);
    },
  });
  return { setting: result.setting, ablation: result.ablation, seed: result.seed, ...result.metrics, stats: result.stats, seconds: result.seconds };
}
