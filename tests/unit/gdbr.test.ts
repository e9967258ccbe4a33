import { describe, expect, it } from 'vitest';
import { configFromFlags, defenseFromFlags } from '../../src/cli/commands/gdbr.ts';
import { ATTACKS, findAttack, type AttackContext } from '../../src/lib/gdbr/attacks/index.ts';
import { solveCountSystem } from '../../src/lib/gdbr/attacks/countSystem.ts';
import { bridgeMeanGradient } from '../../src/lib/gdbr/attacks/gdbr.ts';
import { auxStatistics } from '../../src/lib/gdbr/auxStats.ts';
import { checkGdbrConfig, GDBR_DEFAULTS } from '../../src/lib/gdbr/config.ts';
import { countLabels, roundCounts } from '../../src/lib/gdbr/counts.ts';
import { trialsCsv } from '../../src/lib/gdbr/csv.ts';
import { applyDefense, NO_DEFENSE, pruneSmallest } from '../../src/lib/gdbr/defenses.ts';
import type { GdbrResult } from '../../src/lib/gdbr/experiment.ts';
import { headForward, headGradients, type HeadLayout, type HeadWeights } from '../../src/lib/gdbr/head.ts';
import { personalizeHead } from '../../src/lib/gdbr/localHead.ts';
import { recoveryMetrics, summarizeMetrics } from '../../src/lib/gdbr/metrics.ts';
import { GDBR_PAGE_DEFAULTS, paramsFromSettings, parseValues, settingsFromParams } from '../../src/lib/gdbr/pageSettings.ts';
import { solveSquare, sumConstrainedLeastSquares } from '../../src/lib/gdbr/solve.ts';
import type { NamedTensor } from '../../src/lib/train/namedTensor.ts';
import { Rng } from '../../src/lib/util/random.ts';

const LAYOUT: HeadLayout = { hidden: 'dense1', logits: 'logits' };

/** A random head [d → n → C] in plain arrays; `alwaysOn` lifts b₁ so that every ReLU fires. */
function randomHead(rng: Rng, { d, n, C, alwaysOn = false }: { d: number; n: number; C: number; alwaysOn?: boolean }): HeadWeights {
  return {
    inputSize: d,
    hiddenSize: n,
    classes: C,
    hiddenKernel: rng.fillNormal(new Float32Array(d * n), 1 / Math.sqrt(d)),
    hiddenBias: alwaysOn ? new Float32Array(n).fill(50) : rng.fillNormal(new Float32Array(n), 0.1),
    logitKernel: rng.fillNormal(new Float32Array(n * C), 1 / Math.sqrt(n)),
    logitBias: rng.fillNormal(new Float32Array(C), 0.1),
  };
}

/** Non-negative inputs (like pixels); with `unitMass` every row sums to 1. */
function randomFeatures(rng: Rng, count: number, d: number, unitMass = false): Float32Array {
  const features = rng.fillUniform(new Float32Array(count * d), 0, 1);
  for (let i = 0; i < count && unitMass; i++) {
    const row = features.subarray(i * d, (i + 1) * d);
    const mass = row.reduce((a, b) => a + b, 0);
    row.forEach((value, j) => (row[j] = value / mass));
  }
  return features;
}

/** The batch's gradients as the client would send them, computed by the analytic head. */
function clientGradients(head: HeadWeights, features: Float32Array, labels: number[]): NamedTensor[] {
  const grads = headGradients(head, headForward(head, features), labels);
  const { inputSize: d, hiddenSize: n, classes: C } = head;
  return [
    { name: 'dense1/kernel', shape: [d, n], values: grads.hiddenKernel },
    { name: 'dense1/bias', shape: [n], values: grads.hiddenBias },
    { name: 'logits/kernel', shape: [n, C], values: grads.logitKernel },
    { name: 'logits/bias', shape: [C], values: grads.logitBias },
  ];
}

/** Aux data of one representative per class, a batch made of copies of them with `counts`. */
function representativeSetting(head: HeadWeights, counts: number[], rng: Rng, unitMass = false) {
  const { inputSize: d, classes: C } = head;
  const representatives = randomFeatures(rng, C, d, unitMass);
  const auxLabels = Array.from({ length: C }, (_, c) => c);
  const aux = auxStatistics(head, headForward(head, representatives), auxLabels, headForward(head, randomFeatures(rng, 8, d)));
  const labels = counts.flatMap((count, c) => new Array<number>(count).fill(c));
  const features = new Float32Array(labels.length * d);
  labels.forEach((label, i) => features.set(representatives.subarray(label * d, (label + 1) * d), i * d));
  return { aux, labels, gradients: clientGradients(head, features, labels) };
}

function context(head: HeadWeights, setting: ReturnType<typeof representativeSetting>, defense = NO_DEFENSE): AttackContext {
  return { observed: applyDefense(setting.gradients, defense, LAYOUT, new Rng(9)), layout: LAYOUT, head, aux: setting.aux, batchSize: setting.labels.length };
}

describe('solvers', () => {
  it('solveSquare solves a system that needs pivoting', () => {
    // x = [1, 2, 3]; the first pivot is 0.
    const x = solveSquare([0, 1, 1, 2, 0, 1, 1, 1, 0], [5, 5, 3], 3);
    expect(Array.from(x).map((v) => +v.toFixed(12))).toEqual([1, 2, 3]);
  });

  it('solveSquare refuses a singular matrix', () => {
    expect(() => solveSquare([1, 2, 2, 4], [1, 2], 2)).toThrow(/singular/);
  });

  it('sum-constrained least squares meets the sum exactly and fits what it can', () => {
    // Rows ask x = [1, 2, 3] (sum 6), the constraint asks sum 9: the least-squares answer spreads
    // the excess evenly, x = [2, 3, 4].
    const x = sumConstrainedLeastSquares({ matrix: [1, 0, 0, 0, 1, 0, 0, 0, 1], rhs: [1, 2, 3], unknowns: 3, sum: 9 });
    expect(Array.from(x).map((v) => +v.toFixed(6))).toEqual([2, 3, 4]);
  });

  it('the ridge pins down unknowns that no row mentions', () => {
    const x = sumConstrainedLeastSquares({ matrix: [1, 0, 0], rhs: [4], unknowns: 3, sum: 10, prior: [0, 3, 3] });
    expect(x[0]).toBeCloseTo(4, 6);
    expect(x[1]).toBeCloseTo(3, 3);
    expect(x[2]).toBeCloseTo(3, 3);
  });
});

describe('counts', () => {
  it('countLabels counts and rejects labels outside the classes', () => {
    expect(Array.from(countLabels([2, 0, 2, 1], 4))).toEqual([1, 1, 2, 0]);
    expect(() => countLabels([4], 4)).toThrow(/not in 0…3/);
  });

  it('roundCounts clips negatives, rounds, and repairs the sum upwards', () => {
    // Rounded [3, 0, 0, 1] sums to 4 < 5: the unit goes to class 3 (1.45 − 1 is the largest gap).
    expect(Array.from(roundCounts([2.6, 0.3, -1, 1.45], 5))).toEqual([3, 0, 0, 2]);
  });

  it('roundCounts repairs the sum downwards from the most overestimated class', () => {
    // Rounded [2, 2, 2] = 6 > 4: take from class 2 (1.5 → 2, gap −0.5), then class 1 (1.6 → 2, −0.4).
    expect(Array.from(roundCounts([2.4, 1.6, 1.5], 4))).toEqual([2, 1, 1]);
  });

  it('roundCounts of an exact integer vector is that vector', () => {
    expect(Array.from(roundCounts([0, 5, 0, 3], 8))).toEqual([0, 5, 0, 3]);
  });
});

describe('metrics', () => {
  it('scores a hand-made case', () => {
    // truth [3, 0, 1, 0], recovered [2, 1, 1, 0]: existence right for classes 0, 2, 3; exact for 2, 3;
    // matched min(3,2) + 0 + 1 + 0 = 3 of 4.
    expect(recoveryMetrics([3, 0, 1, 0], [2, 1, 1, 0])).toEqual({ labelExistence: 0.75, labelNumber: 0.5, instanceRecovery: 0.75 });
  });

  it('a perfect recovery scores 1 everywhere, a disjoint one 0 instance recovery', () => {
    expect(recoveryMetrics([2, 0, 5], [2, 0, 5])).toEqual({ labelExistence: 1, labelNumber: 1, instanceRecovery: 1 });
    expect(recoveryMetrics([4, 0], [0, 4])).toEqual({ labelExistence: 0, labelNumber: 0, instanceRecovery: 0 });
  });

  it('summaries give the mean and the sample SD over trials', () => {
    const summary = summarizeMetrics([
      { labelExistence: 1, labelNumber: 0.5, instanceRecovery: 0.8 },
      { labelExistence: 0.5, labelNumber: 0.5, instanceRecovery: 0.6 },
    ]);
    expect(summary.labelExistence.mean).toBeCloseTo(0.75, 12);
    expect(summary.labelExistence.std).toBeCloseTo(Math.SQRT1_2 / 2, 12);
    expect(summary.labelNumber.std).toBe(0);
  });

  it('rejects mismatched or empty inputs', () => {
    expect(() => recoveryMetrics([1, 2], [1])).toThrow(/2 classes/);
    expect(() => recoveryMetrics([0, 0], [0, 0])).toThrow(/empty/);
  });
});

describe('defenses', () => {
  it('pruning zeroes the smallest magnitudes, ties included, exactly the asked share', () => {
    const values = Float32Array.from([0.1, -3, 0.5, 2, -0.1, 0.1]);
    pruneSmallest(values, 0.5);
    expect(Array.from(values)).toEqual([0, -3, 0.5, 2, 0, 0]);
    expect(values.filter((v) => v === 0).length).toBe(3);
  });

  it('withholding the last layer removes its kernel and bias, nothing else', () => {
    const gradients = [
      { name: 'dense1/kernel', shape: [1], values: Float32Array.of(1) },
      { name: 'dense1/bias', shape: [1], values: Float32Array.of(2) },
      { name: 'logits/kernel', shape: [1], values: Float32Array.of(3) },
      { name: 'logits/bias', shape: [1], values: Float32Array.of(4) },
    ];
    for (const lastLayer of ['withheld', 'local'] as const) {
      const observed = applyDefense(gradients, { ...NO_DEFENSE, lastLayer }, LAYOUT, new Rng(1));
      expect([...observed.byName.keys()]).toEqual(['dense1/kernel', 'dense1/bias']);
    }
    expect(applyDefense(gradients, NO_DEFENSE, LAYOUT, new Rng(1)).byName.size).toBe(4);
  });

  it('noise has the asked standard deviation and leaves the original untouched', () => {
    const values = new Float32Array(100_000);
    const observed = applyDefense([{ name: 'dense1/bias', shape: [values.length], values }], { ...NO_DEFENSE, noiseSigma: 0.01 }, LAYOUT, new Rng(3));
    const noisy = observed.byName.get('dense1/bias')!;
    const std = Math.sqrt(noisy.reduce((sum, v) => sum + v * v, 0) / noisy.length);
    expect(std).toBeGreaterThan(0.0098);
    expect(std).toBeLessThan(0.0102);
    expect(values.every((v) => v === 0)).toBe(true);
  });
});

describe('the count system (iLRG)', () => {
  it('recovers counts exactly when ḡ is made from the same class-mean softmax', () => {
    const rng = new Rng(4);
    const C = 6;
    const softmax = new Float64Array(C * C);
    for (let j = 0; j < C; j++) {
      const row = Array.from({ length: C }, () => rng.next() + (rng.next() < 0.5 ? 2 : 0));
      const total = row.reduce((a, b) => a + b, 0);
      row.forEach((value, i) => (softmax[j * C + i] = value / total));
    }
    const counts = [5, 0, 3, 9, 0, 1];
    const B = counts.reduce((a, b) => a + b, 0);
    const meanGradient = Array.from({ length: C }, (_, i) => (counts.reduce((sum, k, j) => sum + k * softmax[j * C + i], 0) - counts[i]) / B);
    const { estimate, counts: recovered } = solveCountSystem({ classMeanSoftmax: softmax, meanGradient, batchSize: B });
    expect(Array.from(recovered)).toEqual(counts);
    expect(Math.max(...Array.from(estimate, (value, c) => Math.abs(value - counts[c])))).toBeLessThan(1e-6);
  });
});

describe('attacks on a simulated head', () => {
  const rng = new Rng(11);
  const head = randomHead(rng, { d: 30, n: 64, C: 5 });

  it('iDLG reads the one label of a batch of one', () => {
    for (let label = 0; label < 5; label++) {
      const counts = [0, 0, 0, 0, 0];
      counts[label] = 1;
      const recovered = findAttack('idlg')!.recover(context(head, representativeSetting(head, counts, rng))).counts;
      expect(Array.from(recovered)).toEqual(counts);
    }
  });


  it('the class-conditional bridge recovers exact counts from layer L−1 alone', () => {
    const counts = [0, 6, 1, 8, 5];
    const setting = representativeSetting(head, counts, rng);
    const hidden = context(head, setting, { ...NO_DEFENSE, lastLayer: 'withheld' });
    expect(hidden.observed.byName.has('logits/bias')).toBe(false);
    expect(Array.from(findAttack('gdbr-class')!.recover(hidden).counts)).toEqual(counts);
  });

  it('GDBR’s bridge gives ḡ exactly when every unit fires and every input has the same mass', () => {
    // Then m_i = 1 and s_i = 1 for all samples, and both bridge equations hold with equality.
    const open = randomHead(new Rng(12), { d: 30, n: 64, C: 5, alwaysOn: true });
    const setting = representativeSetting(open, [3, 1, 0, 2, 6], new Rng(13), true);
    const hidden = context(open, setting, { ...NO_DEFENSE, lastLayer: 'withheld' });
    const trueMean = setting.gradients.find((g) => g.name === 'logits/bias')!.values;
    const bridged = bridgeMeanGradient(hidden);
    const scale = Math.max(...Array.from(trueMean, Math.abs));
    expect(Math.max(...Array.from(bridged, (value, c) => Math.abs(value - trueMean[c])))).toBeLessThan(1e-4 * scale);
    expect(Array.from(findAttack('gdbr')!.recover(hidden).counts)).toEqual([3, 1, 0, 2, 6]);
  });

  it('every attack returns counts that add up to the batch size', () => {
    const setting = representativeSetting(head, [2, 2, 2, 2, 2], rng);
    for (const attack of ATTACKS) {
      const { counts } = attack.recover(context(head, setting));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(10);
      expect(counts.every((count) => count >= 0)).toBe(true);
    }
  });

  it('the baselines cannot run without the last layer', () => {
    const hidden = context(head, representativeSetting(head, [1, 1, 1, 1, 1], rng), { ...NO_DEFENSE, lastLayer: 'withheld' });
    for (const attack of ATTACKS.filter((a) => a.needsLastLayer)) expect(() => attack.recover(hidden)).toThrow(/did not receive logits/);
  });
});

describe('the private head (last layer kept local)', () => {
  it('lowers the client’s own loss and changes only the logits layer', () => {
    const rng = new Rng(21);
    const head = randomHead(rng, { d: 10, n: 16, C: 3 });
    const labels = Array.from({ length: 60 }, (_, i) => i % 3);
    const features = randomFeatures(rng, 60, 10);
    // Make the classes separable: class c gets extra mass on input c.
    labels.forEach((label, i) => (features[i * 10 + label] += 3));
    const loss = (h: HeadWeights) => {
      const p = headForward(h, features).probabilities;
      return -labels.reduce((sum, label, i) => sum + Math.log(p[i * 3 + label]), 0) / labels.length;
    };
    const local = personalizeHead(head, headForward(head, features), labels, { steps: 30, learningRate: 0.5 });
    expect(loss(local)).toBeLessThan(0.8 * loss(head));
    expect(local.hiddenKernel).toBe(head.hiddenKernel);
    expect(Array.from(local.logitKernel)).not.toEqual(Array.from(head.logitKernel));
  });
});

describe('configuration and CLI flags', () => {
  it('rejects a batch outside 1…256 and an unknown attack, naming the field', () => {
    expect(() => checkGdbrConfig({ ...GDBR_DEFAULTS, batchSize: 0 })).toThrow(/batch size/);
    expect(() => checkGdbrConfig({ ...GDBR_DEFAULTS, batchSize: 257 })).toThrow(/batch size/);
    expect(() => checkGdbrConfig({ ...GDBR_DEFAULTS, attacks: ['dlg' as never] })).toThrow(/attack/);
  });

  it('reads the issue’s command line', () => {
    const config = configFromFlags(['--model', 'cnn', '--batch', '64', '--defense', 'hide-last', '--trials', '20', '--seed', '0']);
    expect(config.model).toBe('cnn');
    expect(config.batchSize).toBe(64);
    expect(config.defense).toEqual({ lastLayer: 'withheld', pruneRatio: 0, noiseSigma: 0 });
    expect(config.trials).toBe(20);
  });

  it('combines defenses and rejects unknown ones', () => {
    expect(defenseFromFlags('keep-local,prune,noise', 0.8, 0.01)).toEqual({ lastLayer: 'local', pruneRatio: 0.8, noiseSigma: 0.01 });
    expect(() => defenseFromFlags('encrypt-all', 0.9, 0)).toThrow(/unknown defense "encrypt-all"/);
    expect(() => configFromFlags(['--alpha', '-1'])).toThrow(/--alpha/);
  });
});

describe('CSV export', () => {
  it('writes one row per trial and attack, with the true and recovered counts', () => {
    const result = {
      trials: [
        {
          trial: 0,
          truth: [1, 2],
          outcomes: [{ attack: 'gdbr', mode: 'attack', counts: [2, 1], metrics: recoveryMetrics([1, 2], [2, 1]) }],
          trueMeanGradient: [0, 0],
          bridgedMeanGradient: [0, 0],
        },
      ],
    } as unknown as GdbrResult;
    const lines = trialsCsv(result).trim().split('\r\n');
    expect(lines[0]).toBe('trial,attack,mode,labelExistence,labelNumber,instanceRecovery,true_0,true_1,recovered_0,recovered_1');
    expect(lines[1]).toBe(`0,gdbr,attack,1,0,${2 / 3},1,2,2,1`);
  });
});

describe('page settings in the URL', () => {
  it('survive a round trip through the hash', () => {
    const settings = {
      ...GDBR_PAGE_DEFAULTS,
      config: {
        ...GDBR_PAGE_DEFAULTS.config,
        model: 'cnn' as const,
        batchSize: 128,
        attacks: ['ilrg' as const, 'gdbr' as const],
        defense: { lastLayer: 'local' as const, pruneRatio: 0.5, noiseSigma: 0.001 },
        federation: { ...GDBR_PAGE_DEFAULTS.config.federation, rounds: 2, partition: { kind: 'dirichlet' as const, alpha: 0.3 } },
      },
      sweepAxis: 'noiseSigma' as const,
      sweepValues: [0.001, 0.01],
    };
    const params = new URLSearchParams(Object.entries(paramsFromSettings(settings)).map(([k, v]) => [k, String(v)]));
    expect(settingsFromParams(params)).toEqual(settings);
  });

  it('an empty hash gives the defaults; a bad value names its parameter', () => {
    expect(settingsFromParams(new URLSearchParams())).toEqual(GDBR_PAGE_DEFAULTS);
    expect(() => settingsFromParams(new URLSearchParams('batch=abc'))).toThrow(/"batch" is not a number/);
    expect(() => settingsFromParams(new URLSearchParams('last=encrypted'))).toThrow(/"last"/);
    expect(() => settingsFromParams(new URLSearchParams('sweep=depth'))).toThrow(/"sweep"/);
    expect(() => parseValues('8, x')).toThrow(/comma-separated/);
    expect(parseValues(' 8,32 ,128')).toEqual([8, 32, 128]);
  });
});
