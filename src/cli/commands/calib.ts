import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCalibrationSet, type CalibrationSet } from '../../lib/calibration/build.ts';
import { toCalibrationFile } from '../../lib/calibration/file.ts';
import { FileSampleCache } from '../../lib/calibration/nodeCache.ts';
import { fileTextReader } from '../../lib/calibration/nodeTextReader.ts';
import { SELFGEN_DEFAULTS, type CalibrationSource, type TextSource } from '../../lib/calibration/settings.ts';
import { InputError } from '../../lib/errors.ts';
import { parseFlags } from '../args.ts';
import { openCliModel, REPO_ROOT } from './optModel.ts';

/**
 * `calib --model M --source selfgen|wikitext2|c4|random|FILE [--nsamples 32] [--seqlen 256] [--seed 0]
 * --out FILE.json`: builds a calibration set (src/lib/calibration) and writes `{"windows": [[…]], …}`,
 * the file `prune --calib-file` reads. Self-generation flags: --pool wikitext2|c4|FILE, --prompts,
 * --prompt-tokens, --gen-length, --drop, --temperature, --top-k, --top-p, --repetition-penalty, --batch,
 * --allow-unk (self-generation masks `<unk>` unless given).
 * Generated samples are cached under .cache/calibration/ (or $PAPERLAB_CACHE_DIR/calibration); --no-cache
 * generates afresh. Prints a one-line JSON summary.
 */
const DATASETS_DIR = path.join(REPO_ROOT, 'public', 'datasets');

function textSource(spec: string, flag: string): TextSource {
  if (spec === 'wikitext2' || spec === 'c4') return { kind: spec };
  if (existsSync(spec) && statSync(spec).isFile()) return { kind: 'text', name: path.basename(spec), text: readFileSync(spec, 'utf8') };
  throw new InputError(`${flag} ${spec}: not a source name and not a file`, `expected ${flag === '--source' ? 'selfgen, random, ' : ''}wikitext2, c4 or the path of a text file`);
}

export async function run(argv: string[]) {
  const s = SELFGEN_DEFAULTS;
  const flags = parseFlags(argv, {
    model: undefined,
    source: undefined,
    nsamples: 32,
    seqlen: 256,
    seed: 0,
    out: undefined,
    pool: 'wikitext2',
    prompts: s.nPrompts,
    'prompt-tokens': s.promptTokens,
    'gen-length': s.genLength,
    drop: s.dropShare,
    temperature: s.sampling.temperature,
    'top-k': s.sampling.topK,
    'top-p': s.sampling.topP,
    'repetition-penalty': s.sampling.repetitionPenalty,
    batch: s.batchSize,
    'no-cache': false,
    'allow-unk': false,
  });
  if (!flags.source) throw new InputError('--source is required', 'selfgen, wikitext2, c4, random, or the path of a text file');
  if (!flags.out) throw new InputError('--out is required', 'the JSON file to write the windows to');
  let source: CalibrationSource;
  if (flags.source === 'random') source = { kind: 'random' };
  else if (flags.source === 'selfgen') {
    source = {
      kind: 'selfgen',
      pool: textSource(flags.pool, '--pool'),
      settings: {
        nPrompts: flags.prompts,
        promptTokens: flags['prompt-tokens'],
        genLength: flags['gen-length'],
        dropShare: flags.drop,
        batchSize: flags.batch,
        sampling: { temperature: flags.temperature, topK: flags['top-k'], topP: flags['top-p'], repetitionPenalty: flags['repetition-penalty'] },
        allowUnk: flags['allow-unk'],
      },
    };
  } else source = textSource(flags.source, '--source');

  const { runtime, tokenizer, config } = await openCliModel(flags.model);
  let shownAt = 0;
  const set: CalibrationSet = await buildCalibrationSet(
    { source, nsamples: flags.nsamples, seqlen: flags.seqlen, seed: flags.seed },
    {
      runtime,
      tokenizer,
      texts: fileTextReader(DATASETS_DIR),
      cache: flags['no-cache'] ? undefined : new FileSampleCache(path.join(process.env.PAPERLAB_CACHE_DIR ?? path.join(REPO_ROOT, '.cache'), 'calibration')),
      progress: (p) => {
        const now = performance.now();
        if (now - shownAt < 1000 && p.done < p.total) return;
        shownAt = now;
        process.stderr.write(`${p.phase}: ${Math.round(p.done)} / ${p.total}${p.message ? ` (${p.message})` : ''}\n`);
      },
    },
  );
  runtime.dispose();
  const file = toCalibrationFile(set, { label: `${flags.model} (${config.numLayers} layers, hidden ${config.hiddenSize})`, decode: (ids) => tokenizer.decode(ids) });
  try {
    writeFileSync(flags.out, `${JSON.stringify(file)}\n`);
  } catch (error) {
    throw new InputError(`--out ${flags.out}: cannot write the file`, error instanceof Error ? error.message : String(error));
  }
  const selfgen = set.selfgen;
  return {
    out: flags.out,
    source: set.label,
    windows: set.windows.length,
    seqlen: flags.seqlen,
    seed: flags.seed,
    streamTokens: set.streamTokens,
    seconds: set.seconds,
    selfgen: selfgen && {
      samples: selfgen.samples.length,
      kept: selfgen.kept.length,
      dropped: selfgen.dropped.length,
      droppedShare: selfgen.droppedShare,
      cutoffPpl: selfgen.cutoffPpl,
      fromCache: selfgen.fromCache,
    },
  };
}
