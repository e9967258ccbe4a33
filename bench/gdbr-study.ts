/**
 * `npm run study:gdbr`: the experiment of issue #9's "Done when" — label-existence accuracy,
 * label-number accuracy and instance recovery of GDBR and the baselines at batch sizes 8/32/128
 * under the hide-last-layer defense, 20 trials each, on the shipped MNIST with tfjs' wasm backend in
 * Node. The baselines read the last layer, which the defense withholds: they run on the same batches
 * with the last layer visible, as the reference (mode "reference" in the table).
 * Trained stages are cached in .cache/gdbr-weights, so a rerun skips the FedAvg training.
 *
 * Flags: --models mlp,cnn --rounds 0,3 --batches 8,32,128 --trials 20 --seed 0 --alpha iid
 */
import { parseFlags } from '../src/cli/args.ts';
import { ATTACK_NAMES } from '../src/lib/gdbr/attacks/index.ts';
import { describePartition, GDBR_DEFAULTS, type GdbrConfig, type ModelKind } from '../src/lib/gdbr/config.ts';
import { disposeScenario, prepareScenario, runTrials } from '../src/lib/gdbr/experiment.ts';
import { FileWeightCache } from '../src/lib/gdbr/nodeWeightCache.ts';
import { describeModel } from '../src/lib/train/models.ts';
import { loadShippedMnist, useNodeWasmBackend } from '../src/lib/train/node.ts';
import { MODEL_SPECS } from '../src/lib/gdbr/config.ts';
import { formatTable, writeResults, type Row } from './harness/report.ts';

const flags = parseFlags(process.argv.slice(2), { models: 'mlp,cnn', rounds: '0,3', batches: '8,32,128', trials: 20, seed: 0, alpha: 'iid' });
const models = flags.models.split(',') as ModelKind[];
const stages = flags.rounds.split(',').map(Number);
const batches = flags.batches.split(',').map(Number);
for (const model of models) if (!(model in MODEL_SPECS)) throw new Error(`unknown model ${model}; known: ${Object.keys(MODEL_SPECS).join(', ')}`);

const backend = await useNodeWasmBackend();
const mnist = await loadShippedMnist();
const cache = new FileWeightCache('.cache/gdbr-weights');
const partition = flags.alpha === 'iid' ? ({ kind: 'iid' } as const) : ({ kind: 'dirichlet', alpha: Number(flags.alpha) } as const);
const rows: Row[] = [];
const runs: unknown[] = [];
const startedMs = performance.now();
const elapsed = () => `${((performance.now() - startedMs) / 1000).toFixed(0)} s`;

for (const model of models) {
  for (const rounds of stages) {
    const base: GdbrConfig = {
      ...GDBR_DEFAULTS,
      model,
      trials: flags.trials,
      seed: flags.seed,
      attacks: [...ATTACK_NAMES],
      defense: { lastLayer: 'withheld', pruneRatio: 0, noiseSigma: 0 },
      federation: { ...GDBR_DEFAULTS.federation, rounds, partition },
    };
    process.stderr.write(`[${elapsed()}] ${model}, ${rounds} FedAvg rounds: preparing\n`);
    const scenario = await prepareScenario(mnist, base, { cache });
    try {
      for (const batchSize of batches) {
        const result = await runTrials(scenario, { ...base, batchSize }, {});
        runs.push({ model, rounds, batchSize, modelAccuracy: result.testAccuracy, summaries: result.summaries, trials: result.trials });
        for (const summary of result.summaries) {
          const { labelExistence, labelNumber, instanceRecovery } = summary.metrics;
          rows.push({
            model,
            rounds,
            'model acc.': result.testAccuracy,
            B: batchSize,
            attack: summary.attack,
            'last layer': summary.mode === 'reference' ? 'visible (reference)' : 'hidden',
            LeAcc: `${labelExistence.mean.toFixed(3)} ± ${labelExistence.std.toFixed(3)}`,
            LnAcc: `${labelNumber.mean.toFixed(3)} ± ${labelNumber.std.toFixed(3)}`,
            'instance rec.': `${instanceRecovery.mean.toFixed(3)} ± ${instanceRecovery.std.toFixed(3)}`,
          });
        }
        process.stderr.write(`[${elapsed()}] ${model}, ${rounds} rounds, B = ${batchSize}: done (${result.seconds.toFixed(1)} s)\n`);
      }
    } finally {
      disposeScenario(scenario);
    }
  }
}

const setting = `${models.map((m) => describeModel(MODEL_SPECS[m])).join(' / ')}; ${GDBR_DEFAULTS.federation.clients} clients, ${describePartition(partition)}, aux ${GDBR_DEFAULTS.federation.auxSize} images; defense: last layer withheld; ${flags.trials} trials, seed ${flags.seed}; tfjs ${backend} in Node`;
console.log(`\nGDBR study — ${setting}; mean ± SD over trials`);
console.log(formatTable(rows));
console.log(`\nresults: ${writeResults('gdbr-study', { setting, rows, runs })}`);
