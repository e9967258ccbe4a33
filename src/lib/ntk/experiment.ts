import type { ProgressCallback } from '../progress.ts';
import { symmetricEigenvalues } from './eigen.ts';
import { ntkMatrix } from './kernel.ts';
import { runKernelGd, type CurvePoint } from './kernelGd.ts';
import { initNetwork, trainNetwork, type NetworkTrainer } from './network.ts';
import { fitLogLog, type RateFit } from './rates.ts';
import { sampleSphere, type SphereLaw } from './sphere.ts';
import { criticalRadius, oracleStoppingTime, stoppingTime } from './stopping.ts';
import { addNoise, evaluateTarget, makeTarget, type TargetName } from './targets.ts';
import type { NtkData } from './userData.ts';

/** One lab run: defaults are the classroom preset (n = 400 on S⁴, m = 4,096, 1,000 steps). */
export interface NtkConfig {
  ns: number[]; // training-set sizes; several give a rate fit
  d: number; // covariates on S^{d−1}
  law: SphereLaw; // how the covariates are spread (no distribution is assumed by the paper)
  target: TargetName;
  sigma: number; // noise standard deviation; also the σ in the stopping rule
  nTest: number;
  widths: number[]; // network widths m (even)
  eta: number; // constant step, shared by the network and kernel GD
  steps: number;
  checkpoints: number[]; // steps at which curves are always recorded
  seed: number;
  data?: NtkData; // the user's own data instead of (ns, d, law, target)
  drawn?: number[]; // target 'drawn' (d = 2): y at the angles of drawnTarget.ts
}

export const NTK_DEFAULTS: NtkConfig = {
  ns: [400],
  d: 5,
  law: 'uniform',
  target: 'smooth',
  sigma: 0.3,
  nTest: 400,
  widths: [4096],
  eta: 1,
  steps: 1000,
  checkpoints: [1, 10, 100, 1000],
  seed: 0,
};

export interface KernelReport {
  curve: CurvePoint[];
  stoppingTime: number | null; // T̂ of the rule; null when it does not fire within `steps`
  oracleStoppingTime: number;
  riskAtStoppingTime: number | null;
  oracleRisk: number;
  criticalRadius: number; // ε̂_n
  eigenvalues: number[]; // of K/n, decreasing
}

export interface NetworkReport {
  m: number;
  curve: CurvePoint[];
  distanceToKernel: number; // ‖f_net − f_ker‖/‖f_ker‖ on the test points at the last step
  distanceToKernelAtStop: number | null;
  riskAtStoppingTime: number | null;
  oracleStoppingTime: number; // among the recorded steps
  relativeWeightMovement: number;
  maxNeuronMovement: number;
}

export interface SizeReport {
  n: number;
  kernel: KernelReport;
  network: NetworkReport[];
  /** For d = 2: the test points' angles and f*, kernel GD's and each network's predictions at the last step. */
  circle?: { angle: number[]; truth: number[]; kernel: number[]; network: number[][] };
}

export interface RatesReport {
  ns: number[];
  kernel: RateFit; // risk at T̂ vs n
  kernelOracle: RateFit; // risk at the oracle step vs n (what the best stopping time would give)
  network: { m: number; fit: RateFit }[];
  implied: RateFit; // ε̂_n² vs n: the rate the eigenvalue decay predicts
  table: {
    n: number;
    stoppingTime: number | null;
    criticalRadius: number;
    kernelRisk: number | null;
    kernelOracleRisk: number;
    network: { m: number; risk: number | null; distanceToKernel: number; distanceToKernelAtStop: number | null }[];
  }[];
}

export interface NtkResult {
  kernel: KernelReport;
  network: NetworkReport[];
  sizes: SizeReport[];
  rates?: RatesReport;
  /** Where the run was computed, for the page ("network: tfjs wasm · SIMD …"). */
  compute?: string;
}

/** Steps at which curves are recorded: the checkpoints, ~40 log-spaced steps, and the stopping times. */
export function recordedSteps(steps: number, extra: readonly (number | null)[]): number[] {
  const set = new Set<number>([0, steps]);
  for (let j = 0; j <= 40; j++) set.add(Math.round(steps ** (j / 40)));
  for (const s of extra) if (s !== null && s >= 0 && s <= steps) set.add(s);
  return [...set].sort((a, b) => a - b);
}

function relativeDistance(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

function makeData(config: NtkConfig, n: number): NtkData {
  if (config.data) return config.data;
  const { d, law, target, sigma, nTest, seed } = config;
  const f = makeTarget(target, d, 7 + seed, config.drawn);
  const train = sampleSphere({ n, d, law, seed: 1000 + seed, shapeSeed: 12345 + seed });
  const test = sampleSphere({ n: nTest, d, law, seed: 2000 + seed, shapeSeed: 12345 + seed });
  return { d, x: train.x, y: addNoise(evaluateTarget(f, train), sigma, 3000 + seed), xTest: test.x, yTest: evaluateTarget(f, test) };
}

/** How a run is carried out: the network trainer (default: the typed-array CPU reference) and progress. */
export interface RunOptions {
  onProgress?: ProgressCallback;
  trainer?: NetworkTrainer;
}

export async function runSize(config: NtkConfig, n: number, options: RunOptions = {}, label = ''): Promise<SizeReport> {
  const { onProgress, trainer = trainNetwork } = options;
  const data = makeData(config, n);
  const nTrain = data.y.length;
  const { eta, steps, sigma } = config;
  const k = ntkMatrix(data.x, data.x, data.d); // [n, n]
  const kTest = ntkMatrix(data.xTest, data.x, data.d); // [nTest, n]
  const eigenvalues = symmetricEigenvalues(k.map((v) => v / nTrain), nTrain);
  const stop = stoppingTime({ eigenvalues, eta, sigma, maxSteps: steps });
  const stopStep = stop <= steps ? stop : null;
  const kernelRun = runKernelGd({ k, kTest, y: data.y, yTest: data.yTest, eta, steps, keepSteps: stopStep === null ? [] : [stopStep] });
  const oracle = oracleStoppingTime(kernelRun.curve);
  const recorded = recordedSteps(steps, [...config.checkpoints, stopStep, oracle]);
  const kernel: KernelReport = {
    curve: recorded.map((s) => kernelRun.curve[s]),
    stoppingTime: stopStep,
    oracleStoppingTime: oracle,
    riskAtStoppingTime: stopStep === null ? null : kernelRun.curve[stopStep].testRisk,
    oracleRisk: kernelRun.curve[oracle].testRisk,
    criticalRadius: criticalRadius(eigenvalues, sigma),
    eigenvalues: Array.from(eigenvalues),
  };
  const networkPredictions: Float64Array[] = [];
  const network: NetworkReport[] = [];
  for (const [w, m] of config.widths.entries()) {
    const net = initNetwork({ m, d: data.d, seed: 100 + config.seed * 1000 + w });
    const run = await trainer({
      net,
      x: data.x,
      y: data.y,
      xTest: data.xTest,
      yTest: data.yTest,
      eta,
      steps,
      evalSteps: recorded,
      keepSteps: stopStep === null ? [] : [stopStep],
      onStep: (done) => onProgress?.({ phase: `network m=${m}${label}`, done, total: steps }),
    });
    networkPredictions.push(run.testPredictions);
    const atStop = stopStep === null ? undefined : run.testPredictionsAt(stopStep);
    const kernelAtStop = stopStep === null ? undefined : kernelRun.testPredictionsAt(stopStep);
    network.push({
      m,
      curve: run.curve,
      distanceToKernel: relativeDistance(run.testPredictions, kernelRun.testPredictions),
      distanceToKernelAtStop: atStop && kernelAtStop ? relativeDistance(atStop, kernelAtStop) : null,
      riskAtStoppingTime: stopStep === null ? null : (run.curve.find((p) => p.step === stopStep)?.testRisk ?? null),
      oracleStoppingTime: oracleStoppingTime(run.curve),
      relativeWeightMovement: run.relativeWeightMovement,
      maxNeuronMovement: run.maxNeuronMovement,
    });
  }
  const circle =
    data.d === 2
      ? {
          angle: Array.from({ length: data.yTest.length }, (_, i) => Math.atan2(data.xTest[2 * i + 1], data.xTest[2 * i])),
          truth: Array.from(data.yTest),
          kernel: Array.from(kernelRun.testPredictions),
          network: networkPredictions.map((p) => Array.from(p)),
        }
      : undefined;
  return { n: nTrain, kernel, network, circle };
}

function ratesFrom(sizes: SizeReport[], widths: number[]): RatesReport {
  const ns = sizes.map((s) => s.n);
  const usable = (pick: (s: SizeReport) => number | null) => {
    const pairs = sizes.map((s) => [s.n, pick(s)] as const).filter((p): p is readonly [number, number] => p[1] !== null && p[1] > 0);
    return fitLogLog(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
  };
  return {
    ns,
    kernel: usable((s) => s.kernel.riskAtStoppingTime),
    kernelOracle: usable((s) => s.kernel.oracleRisk),
    network: widths.map((m, w) => ({ m, fit: usable((s) => s.network[w].riskAtStoppingTime) })),
    implied: usable((s) => s.kernel.criticalRadius ** 2),
    table: sizes.map((s) => ({
      n: s.n,
      stoppingTime: s.kernel.stoppingTime,
      criticalRadius: s.kernel.criticalRadius,
      kernelRisk: s.kernel.riskAtStoppingTime,
      kernelOracleRisk: s.kernel.oracleRisk,
      network: s.network.map((net) => ({ m: net.m, risk: net.riskAtStoppingTime, distanceToKernel: net.distanceToKernel, distanceToKernelAtStop: net.distanceToKernelAtStop })),
    })),
  };
}

export function checkNtkConfig(config: NtkConfig): NtkConfig {
  const bad = (message: string) => new RangeError(message);
  if (!config.data) {
    if (!Number.isInteger(config.d) || config.d < 2 || config.d > 10) throw bad(`d must be an integer in 2…10, got ${config.d}`);
    for (const n of config.ns) if (!Number.isInteger(n) || n < 2) throw bad(`every n must be an integer ≥ 2, got ${n}`);
    if (config.ns.length === 0) throw bad('give at least one n');
    if (config.target === 'drawn' && config.d !== 2) throw bad(`the drawn target lives on the circle: it needs d = 2, got d = ${config.d}`);
    if (config.target === 'drawn' && (config.drawn?.length ?? 0) < 2) throw bad('the drawn target needs the drawn values (--draw on the command line)');
    if (config.drawn?.some((v) => !Number.isFinite(v))) throw bad('the drawn values must be finite numbers');
  }
  for (const m of config.widths) if (!Number.isInteger(m) || m < 2 || m % 2 !== 0 || m > 65536) throw bad(`every width m must be an even integer in 2…65536, got ${m}`);
  if (!(config.eta > 0)) throw bad(`η must be > 0, got ${config.eta}`);
  if (!(config.sigma > 0)) throw bad(`σ must be > 0 (the stopping rule divides by it), got ${config.sigma}`);
  if (!Number.isInteger(config.steps) || config.steps < 1) throw bad(`steps must be an integer ≥ 1, got ${config.steps}`);
  return config;
}

export async function runNtkExperiment(config: NtkConfig, options: RunOptions = {}): Promise<NtkResult> {
  checkNtkConfig(config);
  const ns = config.data ? [config.data.y.length] : config.ns;
  const sizes: SizeReport[] = [];
  for (const n of ns) sizes.push(await runSize(config, n, options, ns.length > 1 ? `, n=${n}` : ''));
  const last = sizes[sizes.length - 1];
  return { kernel: last.kernel, network: last.network, sizes, rates: sizes.length > 1 ? ratesFrom(sizes, config.widths) : undefined };
}
