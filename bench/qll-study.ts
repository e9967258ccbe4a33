/**
 * `npm run study:qll`: the experiment of issue #8's "Done when" — test accuracy (and ECE, KL on
 * held-out ambiguous images) of each QLL method at mix fractions 0.3 and 0.6 over 3 seeds, mean ± SD,
 * on the shipped MNIST with tfjs' wasm backend in Node. Runs one after another (each method sees the
 * same split, mixing and initial weights for a given seed), prints one table, and writes every run to
 * bench/results/qll-study-<time>.json.
 *
 * Flags: --epochs 10 --seeds 0,1,2 --mixes 0.3,0.6 --methods ce,soft,smooth,cpu,cpu-sigmoid
 */
import { parseFlags } from '../src/cli/args.ts';
import { QLL_DEFAULTS, type QllConfig } from '../src/lib/qll/config.ts';
import { runQllExperiment, type QllMetrics } from '../src/lib/qll/experiment.ts';
import { describeLambda } from '../src/lib/qll/mixing.ts';
import { QLL_VARIANT_NAMES, isQllVariantName, variantConfig } from '../src/lib/qll/variants.ts';
import { describeModel } from '../src/lib/train/models.ts';
import { loadShippedMnist, useNodeWasmBackend } from '../src/lib/train/node.ts';
import { formatTable, writeResults } from './harness/report.ts';

const flags = parseFlags(process.argv.slice(2), { epochs: 10, seeds: '0,1,2', mixes: '0.3,0.6', methods: QLL_VARIANT_NAMES.join(',') });
const seeds = flags.seeds.split(',').map(Number);
const mixes = flags.mixes.split(',').map(Number);
const variants = flags.methods.split(',').filter(isQllVariantName);
if (variants.length !== flags.methods.split(',').length) throw new Error(`unknown method in ${flags.methods}; known: ${QLL_VARIANT_NAMES.join(', ')}`);

const backend = await useNodeWasmBackend();
const mnist = await loadShippedMnist();
const base: QllConfig = { ...QLL_DEFAULTS, epochs: flags.epochs };
const runs: { variant: string; mix: number; seed: number; metrics: QllMetrics; seconds: number }[] = [];
const total = variants.length * mixes.length * seeds.length;
const startedMs = performance.now();

for (const mix of mixes) {
  for (const seed of seeds) {
    for (const name of variants) {
      const result = await runQllExperiment(mnist, variantConfig({ ...base, mixFraction: mix, seed }, name));
      runs.push({ variant: name, mix, seed, metrics: result.metrics, seconds: result.seconds });
      const elapsedS = (performance.now() - startedMs) / 1000;
      process.stderr.write(`[${runs.length}/${total}] ${name} mix ${mix} seed ${seed}: accuracy ${result.metrics.testAccuracy.toFixed(4)}, ECE ${result.metrics.testEce.toFixed(4)}, KL ${result.metrics.ambiguousKl.toFixed(4)} (${result.seconds.toFixed(0)} s; ${elapsedS.toFixed(0)} s so far)\n`);
    }
  }
}

/** Mean ± sample standard deviation (n − 1). */
function meanSd(values: number[]): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return `${mean.toFixed(4)} ± ${sd.toFixed(4)}`;
}

const rows = mixes.flatMap((mix) =>
  variants.map((name) => {
    const mine = runs.filter((run) => run.variant === name && run.mix === mix);
    return {
      mix,
      method: name,
      'test accuracy': meanSd(mine.map((run) => run.metrics.testAccuracy)),
      'test ECE': meanSd(mine.map((run) => run.metrics.testEce)),
      'KL (ambiguous)': meanSd(mine.map((run) => run.metrics.ambiguousKl)),
      seeds: mine.length,
    };
  }),
);

const setting = `${describeModel(base.model)}, ${base.epochs} epochs, batch ${base.batchSize}, Adam ${base.learningRate}, λ ~ ${describeLambda(base.lambda)}, split ${base.split.train}/${base.split.validation}/${base.split.test} of the MNIST test set, CPU: nnPU β=${base.nnpu.beta} γ=${base.nnpu.gamma}, π from ${base.nnpu.prior}; tfjs ${backend} in Node`;
console.log(`\nQLL study — ${setting}; mean ± SD over seeds ${seeds.join(', ')}`);
console.log(formatTable(rows));
console.log(`\nresults: ${writeResults('qll-study', { setting, config: base, rows, runs })}`);
