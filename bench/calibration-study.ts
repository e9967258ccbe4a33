/**
 * `npm run study:calib`: the calibration-data study of issue #5 on the embedded mini-OPT, CPU path
 * (tfjs-wasm in Node). Calibration sources × seeds × sparsities × methods; every cell prunes a fresh
 * copy of the dense model (src/lib/pruning's pruneOptModel) and scores it by perplexity on
 *   - the WikiText-2 test split: the first `--eval-windows` windows of 256 tokens (0 = the whole split,
 *     1370 windows, ~1 min per model on this machine; the default 32 windows = 8,160 predicted tokens),
 *   - the C4 sample: the first `--c4-windows` windows (the embedded model was trained on this sample,
 *     so it is in-domain, not held-out, text for this model; see its MODEL_CARD.md).
 * Prints the mean ± SD table and writes CSV (rows and cells) and JSON to bench/results/.
 * Self-generated samples are cached under .cache/calibration/, so a rerun does not regenerate them.
 *
 * Flags: --sources wikitext2,c4,random,selfgen[,FILE] --seeds 5 --sparsities 0.2,0.4 --methods fasp,wanda-sp
 *        --nsamples 32 --seqlen 256 --eval-windows 32 --c4-windows 16 --quick (1 seed, 1 sparsity, 8 windows)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseFlags } from '../src/cli/args.ts';
import { openCliModel, REPO_ROOT, WIKITEXT_TEST_FILE } from '../src/cli/commands/optModel.ts';
import { buildCalibrationSet } from '../src/lib/calibration/build.ts';
import { FileSampleCache } from '../src/lib/calibration/nodeCache.ts';
import { fileTextReader } from '../src/lib/calibration/nodeTextReader.ts';
import { SELFGEN_DEFAULTS, type CalibrationSource } from '../src/lib/calibration/settings.ts';
import { aggregateStudy, formatMeanSd, runStudy, STUDY_METHODS, studyCellsCsv, studyRowsCsv, studySource, type StudyMethod, type StudySpec } from '../src/lib/calibration/study/index.ts';
import { pruningStudyEnvironment, scorePerplexities } from '../src/lib/calibration/study/pruningEnvironment.ts';
import { c4Documents, CALIBRATION_TEXT_FILES } from '../src/lib/calibration/texts.ts';
import { InputError } from '../src/lib/errors.ts';
import { nodeTf } from '../src/lib/opt/cpu/nodeTf.ts';
import { joinDatasetRows } from '../src/lib/opt/data/wikitext.ts';
import { withEta } from '../src/lib/progress.ts';
import { tfPruneKernels } from '../src/lib/pruning/tfDenseProduct.ts';
import { formatTable, writeResults } from './harness/report.ts';

const flags = parseFlags(process.argv.slice(2), {
  sources: 'wikitext2,c4,random,selfgen',
  seeds: 5,
  sparsities: '0.2,0.4',
  methods: 'fasp,wanda-sp',
  nsamples: 32,
  seqlen: 256,
  'eval-windows': 32,
  'c4-windows': 16,
  quick: false,
});
const DATASETS = path.join(REPO_ROOT, 'public', 'datasets');
const quick = flags.quick;

function sourceFor(name: string): CalibrationSource {
  if (name === 'wikitext2' || name === 'c4' || name === 'random') return { kind: name };
  if (name === 'selfgen') return { kind: 'selfgen', pool: { kind: 'wikitext2' }, settings: SELFGEN_DEFAULTS };
  if (existsSync(name)) return { kind: 'text', name: path.basename(name), text: readFileSync(name, 'utf8') };
  throw new InputError(`--sources: "${name}" is not wikitext2, c4, random, selfgen or a file`);
}

const spec: StudySpec = {
  sources: flags.sources.split(',').map((s) => studySource(sourceFor(s.trim()))),
  seeds: Array.from({ length: quick ? 1 : flags.seeds }, (_, i) => i),
  sparsities: quick ? [0.4] : flags.sparsities.split(',').map(Number),
  methods: flags.methods.split(',').map((m) => m.trim()) as StudyMethod[],
  nsamples: quick ? 8 : flags.nsamples,
  seqlen: flags.seqlen,
};
for (const m of spec.methods) if (!STUDY_METHODS.includes(m)) throw new InputError(`--methods: unknown method ${m}`);
const evalWindows = { wikitext: quick ? 8 : flags['eval-windows'], c4: quick ? 4 : flags['c4-windows'] };

const dense = await openCliModel('embedded');
const { tokenizer } = dense;
const testIds = tokenizer.encode(joinDatasetRows(readFileSync(WIKITEXT_TEST_FILE, 'utf8')));
const c4Ids = tokenizer.encode(c4Documents(readFileSync(path.join(DATASETS, CALIBRATION_TEXT_FILES.c4), 'utf8')).join('\n\n'));
const evaluation = { wikitextTest: { ids: testIds, windows: evalWindows.wikitext }, c4: { ids: c4Ids, windows: evalWindows.c4 } };
const denseScores = await scorePerplexities(dense.runtime, evaluation);
const streams = new Map<string, Int32Array>();
const environment = pruningStudyEnvironment({
  buildSet: (request, progress, cancel) =>
    buildCalibrationSet(request, {
      runtime: dense.runtime,
      tokenizer,
      texts: fileTextReader(DATASETS),
      cache: new FileSampleCache(path.join(process.env.PAPERLAB_CACHE_DIR ?? path.join(REPO_ROOT, '.cache'), 'calibration')),
      streams,
      progress,
      cancel,
    }),
  freshRuntime: async () => (await openCliModel('embedded')).runtime,
  kernels: tfPruneKernels(await nodeTf()),
  evaluation,
});

const started = performance.now();
let lastLine = 0;
const results = await runStudy(spec, environment, {
  minSeeds: quick ? 1 : 5,
  progress: withEta((p) => {
    if (performance.now() - lastLine < 10_000 && p.done < p.total) return;
    lastLine = performance.now();
    const eta = p.etaSeconds === undefined ? '' : `, ~${Math.ceil(p.etaSeconds / 60)} min left`;
    process.stderr.write(`[${((performance.now() - started) / 60000).toFixed(1)} min] ${p.done.toFixed(1)} / ${p.total}${eta}: ${p.message ?? ''}\n`);
  }),
  onSet: (set, key) => {
    const g = set.selfgen;
    if (g) process.stderr.write(`  ${key}: ${g.samples.length} samples (${g.fromCache ? 'cached' : 'generated'}), ${g.dropped.length} dropped above perplexity ${g.cutoffPpl?.toFixed(1)}\n`);
  },
});
dense.runtime.dispose();

const rows = aggregateStudy(results);
const table = rows.map((r) => ({
  source: r.sourceKey,
  sparsity: r.sparsity,
  method: r.method,
  seeds: r.seeds.length,
  'WikiText-2 test ppl': formatMeanSd(r.wikitextTestPpl, 2),
  'C4 sample ppl': formatMeanSd(r.c4Ppl, 2),
}));
const minutes = (performance.now() - started) / 60000;
console.log(`Calibration-data study, embedded mini-OPT (CPU path, tfjs-wasm in Node), ${spec.nsamples} × ${spec.seqlen}-token calibration windows`);
console.log(`Perplexity on the first ${denseScores.wikitext.windows} WikiText-2 test windows (${denseScores.wikitext.tokens} predicted tokens) and the first ${denseScores.c4.windows} C4-sample windows (${denseScores.c4.tokens} tokens); mean ± SD over seeds`);
console.log(`Dense model: WikiText-2 test ${denseScores.wikitext.ppl.toFixed(1)}, C4 sample ${denseScores.c4.ppl.toFixed(1)}\n`);
console.log(formatTable(table));
const json = writeResults('calibration-study', { spec: { ...spec, sources: spec.sources.map((s) => s.key) }, evalWindows, dense: { wikitextTestPpl: denseScores.wikitext.ppl, c4Ppl: denseScores.c4.ppl }, rows, results, minutes, quick });
const stem = json.replace(/\.json$/, '');
writeFileSync(`${stem}-rows.csv`, studyRowsCsv(rows));
writeFileSync(`${stem}-cells.csv`, studyCellsCsv(results));
console.log(`\n${results.length} pruned models in ${minutes.toFixed(1)} min\nresults: ${json}\n         ${stem}-rows.csv\n         ${stem}-cells.csv`);
