/**
 * `npm run study:gdbr`: label-existence accuracy, label-number accuracy and instance recovery of
 * GDBR and the baselines (iDLG, LLG, LLG+, LLG*, iLRG) at batch sizes 8/32/128 under the
 * hide-last-layer defense, on untrained and FedAvg-trained models, with the victim sharing one
 * gradient (E = 1) or its update after E local steps (the local-updating defense), on the shipped
 * MNIST with tfjs' wasm backend in Node. The baselines read the last layer, which the defense
 * withholds: they run on the same update with the last layer visible, as the reference.
 *
 * Two diagnostics say which step of GDBR limits it:
 * - bridge err.: ‖ĝ − ḡ‖ / ‖ḡ‖, the bridge's estimate of the hidden ∇b_L against the true one;
 * - "exact ḡ": GDBR's count step fed the true ḡ (a perfect bridge) — its instance recovery is the
 *   most GDBR could reach with that count step.
 * Trained stages are cached in .cache/gdbr-weights, so a rerun skips the FedAvg training.
 *
 * Flags: --models mlp,cnn --rounds 0,3 --batches 8,32,128 --local-steps 1,10 --trials 20 --seed 0 --alpha iid
 */
import { parseFlags } from '../src/cli/args.ts';
import { ATTACK_NAMES } from '../src/lib/gdbr/attacks/index.ts';
import { solveCountSystem } from '../src/lib/gdbr/attacks/countSystem.ts';
import { describePartition, GDBR_DEFAULTS, MODEL_SPECS, type GdbrConfig, type ModelKind } from '../src/lib/gdbr/config.ts';
import { disposeScenario, prepareScenario, runTrials, type GdbrResult, type Scenario } from '../src/lib/gdbr/experiment.ts';
import { recoveryMetrics } from '../src/lib/gdbr/metrics.ts';
import { FileWeightCache } from '../src/lib/gdbr/nodeWeightCache.ts';
import { describeModel } from '../src/lib/train/models.ts';
import { loadShippedMnist, useNodeWasmBackend } from '../src/lib/train/node.ts';
import { formatTable, writeResults, type Row } from './harness/report.ts';

const flags = parseFlags(process.argv.slice(2), { models: 'mlp,cnn', rounds: '0,3', batches: '8,32,128', 'local-steps': '1,10', trials: 20, seed: 0, alpha: 'iid' });
const models = flags.models.split(',') as ModelKind[];
const stages = flags.rounds.split(',').map(Number);
const batches = flags.batches.split(',').map(Number);
const localSteps = flags['local-steps'].split(',').map(Number);
for (const model of models) if (!(model in MODEL_SPECS)) throw new Error(`unknown model ${model}; known: ${Object.keys(MODEL_SPECS).join(', ')}`);

const backend = await useNodeWasmBackend();
const mnist = await loadShippedMnist();
const cache = new FileWeightCache('.cache/gdbr-weights');
const partition = flags.alpha === 'iid' ? ({ kind: 'iid' } as const) : ({ kind: 'dirichlet', alpha: Number(flags.alpha) } as const);
const rows: Row[] = [];
const summaryRows: Row[] = [];
const runs: unknown[] = [];
const startedMs = performance.now();
const elapsed = () => `${((performance.now() - startedMs) / 1000).toFixed(0)} s`;
const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const norm = (values: ArrayLike<number>) => Math.hypot(...Array.from(values));

/** The two diagnostics of GDBR's steps, averaged over the trials. */
function gdbrDiagnostics(scenario: Scenario, result: GdbrResult) {
  const B = result.config.batchSize;
  const bridgeErrors = result.trials.map((t) => norm(t.bridgedMeanGradient.map((g, c) => g - t.trueMeanGradient[c])) / norm(t.trueMeanGradient));
  const exact = result.trials.map((t) => recoveryMetrics(t.truth, solveCountSystem({ classMeanSoftmax: scenario.aux.classMeanSoftmax, meanGradient: t.trueMeanGradient, batchSize: B }).counts));
  return {
    bridgeError: meanOf(bridgeErrors),
    exactInstanceRecovery: meanOf(exact.map((m) => m.instanceRecovery)),
    exactLabelNumber: meanOf(exact.map((m) => m.labelNumber)),
  };
}

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
      for (const steps of localSteps) {
        for (const batchSize of batches) {
          const result = await runTrials(scenario, { ...base, batchSize, localSteps: steps }, {});
          const diagnostics = gdbrDiagnostics(scenario, result);
          runs.push({ model, rounds, batchSize, localSteps: steps, modelAccuracy: result.testAccuracy, diagnostics, summaries: result.summaries, trials: result.trials });
          const summary: Row = { model, rounds, 'model acc.': result.testAccuracy, E: steps, B: batchSize };
          for (const s of result.summaries) {
            const { labelExistence, labelNumber, instanceRecovery } = s.metrics;
            rows.push({
              model,
              rounds,
              'model acc.': result.testAccuracy,
              E: steps,
              B: batchSize,
              attack: s.attack,
              'last layer': s.mode === 'reference' ? 'visible (reference)' : 'hidden',
              LeAcc: `${labelExistence.mean.toFixed(3)} ± ${labelExistence.std.toFixed(3)}`,
              LnAcc: `${labelNumber.mean.toFixed(3)} ± ${labelNumber.std.toFixed(3)}`,
              'instance rec.': `${instanceRecovery.mean.toFixed(3)} ± ${instanceRecovery.std.toFixed(3)}`,
            });
            summary[s.attack] = Number(instanceRecovery.mean.toFixed(3));
          }
          summary['gdbr, exact ḡ'] = Number(diagnostics.exactInstanceRecovery.toFixed(3));
          summary['bridge err.'] = Number(diagnostics.bridgeError.toFixed(3));
          summaryRows.push(summary);
          process.stderr.write(`[${elapsed()}] ${model}, ${rounds} rounds, E = ${steps}, B = ${batchSize}: done (${result.seconds.toFixed(1)} s)\n`);
        }
      }
    } finally {
      disposeScenario(scenario);
    }
  }
}

const setting = `${models.map((m) => describeModel(MODEL_SPECS[m])).join(' / ')}; ${GDBR_DEFAULTS.federation.clients} clients, ${describePartition(partition)}, aux ${GDBR_DEFAULTS.federation.auxSize} images; defense: last layer withheld; E local steps (η = ${GDBR_DEFAULTS.federation.learningRate}, ≤ 4 minibatches); ${flags.trials} trials, seed ${flags.seed}; tfjs ${backend} in Node`;
console.log(`\nGDBR study — ${setting}; mean ± SD over trials`);
console.log(formatTable(rows));
console.log('\nInstance recovery (mean over trials) per attack; baselines with the last layer visible, GDBR without;');
console.log('"gdbr, exact ḡ" = GDBR\'s count step given the true ḡ; bridge err. = ‖ĝ − ḡ‖/‖ḡ‖');
console.log(formatTable(summaryRows));
console.log(`\nresults: ${writeResults('gdbr-study', { setting, rows, summaryRows, runs })}`);
