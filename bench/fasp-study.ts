/**
 * `npm run study:fasp`: the comparison of issue #4's "Done when" — every pruning method at
 * s = 0.1 / 0.2 / 0.3 on one model (the embedded mini-OPT by default), WikiText-2 test perplexity,
 * the same calibration windows for every method (WikiText-2 valid, 32 × 256, seed 0). CPU path
 * (tfjs-wasm) in Node. Each run starts from the dense model (DenseSnapshot). Prints one table and
 * writes every run to bench/results/fasp-study-<time>.json.
 *
 * Flags: --model embedded --sparsities 0.1,0.2,0.3 --methods fasp,… --nsamples 32 --seqlen 256 --seed 0
 *        A method may carry a granularity and an allocation: `wanda-sp:channel`, `flap:head:uniform`
 *        (defaults: the method's own, so wanda-sp and flap remove whole heads and flap runs its joint search).
 *        `slicegpt` deletes s of the hidden size (SliceGPT); its perplexity comes from its ONNX export run in
 *        ONNX Runtime, and its parameters include the shortcut matrices and the untied LM head.
 *        --eval-windows 160 (windows of the model's positions from the start of the test text; 0 = the whole split)
 */
import { parseFlags } from '../src/cli/args.ts';
import { openCliModel } from '../src/cli/commands/optModel.ts';
import { cpuPruneKernels, loadCalibration, testPerplexity } from '../src/cli/commands/pruneNode.ts';
import { sliceCliModel, slicedTestPerplexity } from '../src/cli/commands/sliceGptNode.ts';
import { DenseSnapshot } from '../src/lib/pruning/denseSnapshot.ts';
import { ALLOCATION_MODES, type AllocationMode } from '../src/lib/pruning/allocation.ts';
import { validateGranularity } from '../src/lib/pruning/heads.ts';
import { PRUNE_METHODS, type PruneMethodName } from '../src/lib/pruning/methods.ts';
import { pruneOptModel } from '../src/lib/pruning/pruneModel.ts';
import { formatTable, writeResults, type Row } from './harness/report.ts';

const flags = parseFlags(process.argv.slice(2), {
  model: 'embedded',
  sparsities: '0.1,0.2,0.3',
  methods: ['fasp', 'fasp-norestore', 'wanda-sp', 'wanda-sp:channel', 'flap', 'flap:channel:uniform', 'magnitude', 'random', 'slicegpt'].join(','),
  nsamples: 32,
  seqlen: 256,
  seed: 0,
  'eval-windows': 160,
});
const methods = flags.methods.split(',').map((spec) => {
  const [method, granularity, allocation] = spec.split(':');
  if (method === 'slicegpt') return { method: 'slicegpt' as const, granularity: undefined, allocation: undefined };
  if (!PRUNE_METHODS.includes(method as PruneMethodName)) throw new Error(`unknown method ${method}; known: ${PRUNE_METHODS.join(', ')}`);
  if (allocation && !ALLOCATION_MODES.includes(allocation as AllocationMode)) throw new Error(`unknown allocation ${allocation}`);
  return { method: method as PruneMethodName, granularity: granularity ? validateGranularity(granularity) : undefined, allocation: allocation as AllocationMode | undefined };
});
const sparsities = flags.sparsities.split(',').map(Number);

const model = await openCliModel(flags.model);
const { runtime, tokenizer } = model;
const calibration = await loadCalibration({ calib: 'wikitext2', nsamples: flags.nsamples, seqlen: flags.seqlen, seed: flags.seed }, model);
const evalOptions = { maxWindows: flags['eval-windows'], quiet: true };
const dense = await testPerplexity(runtime, tokenizer, evalOptions);
const evalLabel = `WikiText-2 test, ${dense.windows} of ${dense.windowsInText} windows of ${dense.seqLen} tokens (${dense.tokens} predicted tokens)`;
process.stderr.write(`dense: ppl ${dense.ppl.toFixed(3)} on ${evalLabel}\n`);
const snapshot = await DenseSnapshot.take(runtime);
const kernels = await cpuPruneKernels();

const runs: Record<string, unknown>[] = [];
const rows: Row[] = [{ method: 'dense', s: 0, ppl: dense.ppl, 'params (M)': null, 'removed w/o emb.': null, 'removed live': null, 'prune s': null }];
for (const sparsity of sparsities) {
  for (const { method, granularity, allocation } of methods) {
    if (method === 'slicegpt') {
      await snapshot.restore(runtime);
      const run = await sliceCliModel(model, calibration, sparsity, flags.model);
      const sliced = await slicedTestPerplexity(model, run.onnxBytes, evalOptions);
      const { onnxBytes: _bytes, ...kept } = run;
      runs.push({ ...kept, ppl: sliced.ppl });
      rows.push({
        method: `slicegpt (d' = ${run.slicedDim})`,
        s: sparsity,
        ppl: sliced.ppl,
        'params (M)': run.params.after.total / 1e6,
        'removed w/o emb.': run.params.reduction.decoderLayers,
        'removed live': run.params.reduction.decoderLayers,
        'prune s': run.seconds.slice,
      });
      process.stderr.write(`slicegpt s=${sparsity}: ppl ${sliced.ppl.toFixed(3)} (slice ${run.seconds.slice.toFixed(1)} s)\n`);
      continue;
    }
    await snapshot.restore(runtime);
    const result = await pruneOptModel(runtime, calibration, { method, sparsity, allocation, kernels, settings: { seed: flags.seed, granularity } });
    const pruned = await testPerplexity(runtime, tokenizer, evalOptions);
    const label = `${method} (${result.granularity}${result.allocation === 'uniform' ? '' : `, ${result.allocation}`})`;
    runs.push({ method, granularity: result.granularity, allocation: result.allocation, sparsity, ppl: pruned.ppl, params: result.params, widths: result.widths, timingsMs: result.timingsMs });
    rows.push({
      method: label,
      s: sparsity,
      ppl: pruned.ppl,
      'params (M)': result.params.after.total / 1e6,
      'removed w/o emb.': result.params.reduction.withoutEmbeddings,
      'removed live': result.params.reduction.withoutEmbeddingsLive,
      'prune s': result.timingsMs.total / 1000,
    });
    process.stderr.write(`${label} s=${sparsity}: ppl ${pruned.ppl.toFixed(3)} (prune ${(result.timingsMs.total / 1000).toFixed(1)} s)\n`);
  }
}
await snapshot.restore(runtime);

console.log(`FASP study: ${flags.model}, calibration ${calibration.label}; perplexity on ${evalLabel}`);
console.log(formatTable(rows));
const file = writeResults('fasp-study', { model: flags.model, calibration: calibration.label, eval: evalLabel, dense: { ppl: dense.ppl }, runs });
console.log(`\nwrote ${file}`);
