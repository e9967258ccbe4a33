import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../lib/errors.ts';
import { withEta } from '../../lib/progress.ts';
import { ALLOCATION_MODES, type AllocationMode } from '../../lib/pruning/allocation.ts';
import { validateGranularity } from '../../lib/pruning/heads.ts';
import { PRUNE_METHODS, type PruneMethodName } from '../../lib/pruning/methods.ts';
import type { WeightNorm } from '../../lib/pruning/metrics.ts';
import { pruneOptModel } from '../../lib/pruning/pruneModel.ts';
import { validateSparsity } from '../../lib/pruning/topK.ts';
import { parseFlags } from '../args.ts';
import { openCliModel } from './optModel.ts';
import { cpuPruneKernels, loadCalibration, testPerplexity, throttledStderr, writePrunedModel } from './pruneNode.ts';
import { sliceCliModel, slicedTestPerplexity, writeSlicedModel } from './sliceGptNode.ts';

/**
 * `prune --model DIR|HUB_ID|embedded --method fasp|wanda-sp|flap|magnitude|random|fasp-norestore|slicegpt
 *  --sparsity 0.2 [--calib wikitext2|c4|random|TEXT_FILE | --calib-file FILE.json] [--nsamples 32]
 *  [--seqlen 256] [--seed 0] [--allocation uniform|global|joint] [--granularity head|channel] [--norm l1|l2] [--delta 0.01] [--refit-bias]
 *  [--eval-seqlen N] [--eval-windows N (0 = all)] [--no-eval] [--threads 1|2] [--out DIR]`
 *
 * Prunes on the CPU path (tfjs-wasm), measures WikiText-2 test perplexity before and after (the same
 * windows, so their forward times give tokens/s dense vs pruned), writes the pruned model to --out
 * (src/lib/export: model.safetensors, config.json with ffn_dims/v_head_dims/v_dims, tokenizer files)
 * and prints one JSON line {method, sparsity, allocation, granularity, params, pplBefore, pplAfter, seconds: {…}, …}.
 *
 * `--threads 2` (the default on a machine with two cores or more) adds the calibration statistics (the
 * Gram) on a worker thread while the layers run on the main one (src/lib/pruning/statsThread.ts): the
 * same pruned model as `--threads 1`, sooner.
 *
 * Defaults follow the papers (issue #14): wanda-sp and flap prune whole heads (`--granularity channel`
 * prunes single value channels instead), flap runs its joint structure search (`--allocation joint`),
 * every other method is uniform and prunes channels.
 *
 * `--method slicegpt` (Ashkboos et al. 2024) deletes a fraction s of the hidden size instead
 * (src/lib/pruning/slicegpt): the sliced model runs and is measured as an ONNX export in ONNX Runtime,
 * `--out DIR` writes model.onnx (no safetensors: HF's OPT cannot hold a rotated residual stream).
 */
export async function run(argv: string[]) {
  const flags = parseFlags(argv, {
    model: undefined,
    method: 'fasp',
    sparsity: 0.2,
    calib: 'wikitext2',
    'calib-file': undefined,
    nsamples: 32,
    seqlen: 256,
    seed: 0,
    allocation: '',
    granularity: '',
    norm: 'l1',
    delta: 0.01,
    'refit-bias': false,
    'eval-seqlen': 0,
    'eval-windows': 0,
    'no-eval': false,
    threads: 0,
    out: undefined,
  });
  if (flags.method === 'slicegpt') return runSliceGpt(flags);
  if (!PRUNE_METHODS.includes(flags.method as PruneMethodName)) throw new InputError(`--method ${flags.method} is not a pruning method`, `expected one of ${PRUNE_METHODS.join(', ')}, slicegpt`);
  const sparsity = validateSparsity(flags.sparsity, '--sparsity');
  if (flags.allocation !== '' && !ALLOCATION_MODES.includes(flags.allocation as AllocationMode)) throw new InputError(`--allocation must be ${ALLOCATION_MODES.join(', ')}, got ${flags.allocation}`);
  const allocation = flags.allocation === '' ? undefined : (flags.allocation as AllocationMode);
  const granularity = flags.granularity === '' ? undefined : validateGranularity(flags.granularity, '--granularity');
  if (flags.norm !== 'l1' && flags.norm !== 'l2') throw new InputError(`--norm must be l1 or l2, got ${flags.norm}`);
  if (![0, 1, 2].includes(flags.threads)) throw new InputError(`--threads must be 1 or 2 (0: 2 when the machine has two cores), got ${flags.threads}`);
  const threads = flags.threads === 0 ? (os.availableParallelism() >= 2 ? 2 : 1) : (flags.threads as 1 | 2);

  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, body: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await body();
    } finally {
      seconds[name] = (performance.now() - started) / 1000;
    }
  };

  const model = await timed('load', () => openCliModel(flags.model));
  const { runtime, tokenizer } = model;
  const calibration = await timed('calibrationData', () =>
    loadCalibration({ calib: flags.calib, calibFile: flags['calib-file'], nsamples: flags.nsamples, seqlen: flags.seqlen, seed: flags.seed }, model),
  );
  process.stderr.write(`calibration: ${calibration.label}\n`);

  const evaluate = !flags['no-eval'];
  const evalOptions = { seqLen: flags['eval-seqlen'], maxWindows: flags['eval-windows'] };
  if (evaluate) await testPerplexity(runtime, tokenizer, { ...evalOptions, maxWindows: 1, quiet: true }); // warm-up, kept out of tokens/s
  const dense = evaluate ? await timed('pplBefore', () => testPerplexity(runtime, tokenizer, { ...evalOptions, label: 'dense perplexity' })) : undefined;

  const kernels = await cpuPruneKernels({ threads });
  const report = withEta(throttledStderr((p) => `${p.phase} ${p.message ?? ''} ${Math.round((100 * p.done) / Math.max(1, p.total))}%${p.etaSeconds !== undefined ? `, ${Math.ceil(p.etaSeconds)} s left` : ''}`));
  const result = await pruneOptModel(
    runtime,
    calibration,
    {
      method: flags.method as PruneMethodName,
      sparsity,
      allocation,
      settings: { norm: flags.norm as WeightNorm, dampingDelta: flags.delta, refitBias: flags['refit-bias'], seed: flags.seed, granularity },
      kernels,
    },
    report,
  ).finally(() => kernels.close());
  for (const [phase, ms] of Object.entries(result.timingsMs)) seconds[phase === 'total' ? 'prune' : phase] = ms / 1000;

  if (evaluate) await testPerplexity(runtime, tokenizer, { ...evalOptions, maxWindows: 1, quiet: true }); // the new shapes' first run, kept out of tokens/s
  const pruned = evaluate ? await timed('pplAfter', () => testPerplexity(runtime, tokenizer, { ...evalOptions, label: 'pruned perplexity' })) : undefined;

  if (flags.out) {
    const pruning = { method: result.method, sparsity: result.sparsity, allocation: result.allocation, granularity: result.granularity, calibration: calibration.label, source: flags.model };
    await timed('export', () => writePrunedModel(model, flags.model!, flags.out!, pruning));
  }

  const tokensPerSecond = dense && pruned ? { dense: dense.tokens / dense.seconds, pruned: pruned.tokens / pruned.seconds, speedup: dense.seconds / pruned.seconds } : undefined;
  return {
    method: result.method,
    sparsity: result.sparsity,
    allocation: result.allocation,
    granularity: result.granularity,
    params: result.params,
    pplBefore: dense?.ppl,
    pplAfter: pruned?.ppl,
    eval: dense ? { text: 'WikiText-2 test', windows: dense.windows, windowsInText: dense.windowsInText, seqLen: dense.seqLen } : undefined,
    tokensPerSecond,
    calibration: result.calibration,
    widths: result.widths,
    threads,
    seconds,
    out: flags.out ? path.resolve(flags.out) : undefined,
  };
}

async function runSliceGpt(flags: { model?: string; sparsity: number; calib: string; 'calib-file'?: string; nsamples: number; seqlen: number; seed: number; 'eval-seqlen': number; 'eval-windows': number; 'no-eval': boolean; out?: string }) {
  const sparsity = validateSparsity(flags.sparsity, '--sparsity');
  const model = await openCliModel(flags.model);
  const calibration = await loadCalibration({ calib: flags.calib, calibFile: flags['calib-file'], nsamples: flags.nsamples, seqlen: flags.seqlen, seed: flags.seed }, model);
  process.stderr.write(`calibration: ${calibration.label}\n`);
  const evalOptions = { seqLen: flags['eval-seqlen'], maxWindows: flags['eval-windows'] };
  const dense = flags['no-eval'] ? undefined : await testPerplexity(model.runtime, model.tokenizer, { ...evalOptions, label: 'dense perplexity' });
  const run = await sliceCliModel(model, calibration, sparsity, flags.model!, throttledStderr((p) => `slicegpt ${p.message ?? ''} ${p.done}/${p.total}`));
  const sliced = flags['no-eval'] ? undefined : await slicedTestPerplexity(model, run.onnxBytes, evalOptions);
  const files = flags.out ? await writeSlicedModel(model, flags.model!, flags.out, run, { calibration: calibration.label, source: flags.model }) : undefined;
  return {
    method: run.method,
    sparsity: run.sparsity,
    slicedDim: run.slicedDim,
    hiddenSize: run.hiddenSize,
    params: run.params,
    retainedVariance: run.retainedVariance,
    pplBefore: dense?.ppl,
    pplAfter: sliced?.ppl,
    eval: dense ? { text: 'WikiText-2 test', windows: dense.windows, windowsInText: dense.windowsInText, seqLen: dense.seqLen, slicedRunsIn: 'ONNX Runtime (wasm)' } : undefined,
    calibration: { label: calibration.label, tokens: run.calibrationTokens },
    seconds: run.seconds,
    out: flags.out ? path.resolve(flags.out) : undefined,
    files,
  };
}
