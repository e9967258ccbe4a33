import type { ImageSet } from '../train/imageSet.ts';
import type { GdbrConfig } from './config.ts';
import { disposeScenario, prepareScenario, runTrials, scenarioKey, type AttackSummary, type GdbrHooks, type Scenario } from './experiment.ts';
import { MemoryWeightCache } from './weightCache.ts';

/**
 * Sweeps: one setting varied over a list of values, everything else from a base run, every attack
 * measured at each value. Values that only change the trials (batch size, defense strength) reuse
 * the trained model; values that change the federation (skew, stage) build a new scenario, and the
 * weight cache makes a stage sweep train each FedAvg round once.
 */
export type SweepAxis = 'batchSize' | 'localSteps' | 'alpha' | 'rounds' | 'pruneRatio' | 'noiseSigma';

export interface SweepAxisInfo {
  label: string;
  /** Values the page offers first. */
  defaults: number[];
  /** Plot the axis on a log scale. */
  log: boolean;
  apply(config: GdbrConfig, value: number): GdbrConfig;
}

export const SWEEP_AXES: Record<SweepAxis, SweepAxisInfo> = {
  batchSize: { label: 'Batch size B', defaults: [8, 32, 128], log: true, apply: (config, value) => ({ ...config, batchSize: value }) },
  localSteps: { label: 'Local steps E', defaults: [1, 2, 5, 10], log: false, apply: (config, value) => ({ ...config, localSteps: value }) },
  alpha: {
    label: 'Dirichlet α (small = skewed)',
    defaults: [0.1, 0.5, 1, 10],
    log: true,
    apply: (config, value) => ({ ...config, federation: { ...config.federation, partition: { kind: 'dirichlet', alpha: value } } }),
  },
  rounds: { label: 'FedAvg rounds before the attack', defaults: [0, 1, 2, 4], log: false, apply: (config, value) => ({ ...config, federation: { ...config.federation, rounds: value } }) },
  pruneRatio: { label: 'Pruned share of each gradient', defaults: [0, 0.5, 0.9, 0.99], log: false, apply: (config, value) => ({ ...config, defense: { ...config.defense, pruneRatio: value } }) },
  noiseSigma: { label: 'Noise σ', defaults: [1e-5, 1e-4, 1e-3, 1e-2], log: true, apply: (config, value) => ({ ...config, defense: { ...config.defense, noiseSigma: value } }) },
};

export function isSweepAxis(name: string): name is SweepAxis {
  return name in SWEEP_AXES;
}

export interface SweepPoint {
  value: number;
  summaries: AttackSummary[];
  testAccuracy: number;
}

export interface SweepResult {
  axis: SweepAxis;
  base: GdbrConfig;
  points: SweepPoint[];
  seconds: number;
}

export async function runSweep(data: ImageSet, base: GdbrConfig, axis: SweepAxis, values: readonly number[], hooks: GdbrHooks = {}): Promise<SweepResult> {
  if (values.length === 0) throw new RangeError('runSweep: no values');
  const startedMs = performance.now();
  const info = SWEEP_AXES[axis];
  const cache = hooks.cache ?? new MemoryWeightCache();
  const points: SweepPoint[] = [];
  let scenario: Scenario | undefined;
  try {
    for (const [index, value] of values.entries()) {
      const config = info.apply(base, value);
      const pointHooks: GdbrHooks = {
        ...hooks,
        cache,
        progress: (progress) => hooks.progress?.({ ...progress, phase: `${index + 1}/${values.length} (${info.label} = ${value}): ${progress.phase}` }),
      };
      if (scenario?.key !== scenarioKey(config)) {
        if (scenario) disposeScenario(scenario);
        scenario = undefined;
        scenario = await prepareScenario(data, config, pointHooks);
      }
      const result = await runTrials(scenario, config, pointHooks);
      points.push({ value, summaries: result.summaries, testAccuracy: result.testAccuracy });
    }
  } finally {
    if (scenario) disposeScenario(scenario);
  }
  return { axis, base, points, seconds: (performance.now() - startedMs) / 1000 };
}
