import { checkpoint, neverCancelled, type CancelFlag } from '../cancel.ts';
import { InputError } from '../errors.ts';
import type { ProgressCallback } from '../progress.ts';
import { ALLOCATION_MODES, defaultBounds, globalKeepCounts, validateBounds, type AllocationMode, type SparsityBounds } from './allocation.ts';
import type { CalibrationStats } from './calibrationStats.ts';
import { flapJointSearch } from './flapSearch.ts';
import { liveHeadCount, type Granularity } from './heads.ts';
import { cpuStatsFactory, type LayerCapture, type LayerRunner, type StatsFactory, type StatsSink } from './layerRunner.ts';
import { granularityFor, METHODS, methodNeeds, PRUNE_METHODS, residentCapable, resolveSettings, scoreGroup, type GroupReport, type MethodSettings, type PruneMethodName, type RestorationSolver } from './methods.ts';
import { prunedConfigFields, type PrunedConfigFields } from './prunedConfig.ts';
import type { ResidentStats } from './residentStats.ts';
import { GROUP_NAMES, groupParamCount, validateLayer, type GroupName, type PrunableLayer } from './structure.ts';
import { keepCountFor, validateSparsity } from './topK.ts';

/**
 * The sequential pruning pipeline (issue #4): for each decoder layer l in order,
 *   1. calibrate  run layer l (dense) on every calibration window, streaming the inputs of out_proj and
 *                 fc2 into their statistics (X has passed through the already pruned layers < l);
 *   2. prune      score, select, restore/compensate and compact both coupled groups of layer l;
 *   3. propagate  run the pruned layer l on every window: these are layer l + 1's inputs (a runner may
 *                 reuse step 1's attention output here: the pruned value channels are a subset of it).
 * as Wanda and SparseGPT do. Step 3 of layer l runs window by window inside step 1 of layer l + 1 (each
 * window is calibrated on l + 1 as soon as it has left the pruned layer l; the statistics see the
 * windows in the same order), so statistics added on another thread (statsThread.ts) have the whole
 * propagation, not only the calibration forward, to keep up. The last layer's outputs are never used
 * and never computed. Memory: the hidden states of all windows (carried between layers) plus
 * O(width²) statistics; activations are never kept. The model is never modified (see LayerRunner).
 * Statistics that can stay where they accumulate (a GPU sink's `finishResident`) do so for the groups
 * `residentCapable` allows: step 2 then runs there too (residentStats.ts, docs/pruning-gpu.md).
 */
export interface PruneOptions<Activation = Float32Array> {
  method: PruneMethodName;
  /** Fraction of FFN channels and of value channels removed, in [0, 0.9]. */
  sparsity: number;
  /**
   * 'uniform': s in every layer; 'global': per-layer sparsity from a ranking; 'joint': FLAP's one
   * threshold over FFN channels and heads (allocation.ts). Default: 'joint' for flap, else 'uniform'.
   */
  allocation?: AllocationMode;
  /** Per-layer sparsity range for 'global' (default s ± 0.2 within [0, 0.9]). */
  layerSparsityBounds?: SparsityBounds;
  /** Which coupled groups to prune (default both). */
  groups?: readonly GroupName[];
  settings?: Partial<MethodSettings>;
  /** Report each consumer's output error on the calibration data (adds the Gram to every method). */
  measureError?: boolean;
  solver?: RestorationSolver;
  /** Where statistics accumulate; CPU float64 by default (then `Activation` is Float32Array). */
  stats?: StatsFactory<Activation>;
}

export interface LayerReport extends Record<GroupName, GroupReport> {
  layer: number;
}

export interface PhaseTimingsMs {
  embed: number;
  allocate: number;
  /** Running the dense layers for their consumers' inputs, statistics included. */
  calibrate: number;
  /** Of `calibrate`: the time spent adding the captured inputs into the statistics (the Gram, mostly). */
  statistics: number;
  score: number;
  select: number;
  restore: number;
  compact: number;
  error: number;
  propagate: number;
  total: number;
}

export interface PruneResult {
  method: PruneMethodName;
  sparsity: number;
  allocation: AllocationMode;
  /** Whole heads or single value channels in the attention group. */
  granularity: Granularity;
  /** The pruned coupled groups of every layer (install them with `applyPrunedLayers`). */
  layers: PrunableLayer[];
  config: PrunedConfigFields;
  reports: LayerReport[];
  /** Parameters of the coupled groups (fc1, fc2, v_proj, out_proj with biases) before and after. */
  groupParams: { before: number; after: number };
  calibrationTokens: number;
  timingsMs: PhaseTimingsMs;
}

interface Plan<A> {
  method: PruneMethodName;
  sparsity: number;
  allocation: AllocationMode;
  granularity: Granularity;
  bounds: SparsityBounds;
  groups: readonly GroupName[];
  settings: MethodSettings;
  needs: { activations: boolean; gram: boolean };
  measureError: boolean;
  stats: StatsFactory<A>;
  solver?: RestorationSolver;
}

export async function prune<Hidden, Activation = Float32Array>(
  runner: LayerRunner<Hidden, Activation>,
  calibration: readonly Int32Array[],
  options: PruneOptions<Activation>,
  progress: ProgressCallback = () => {},
  cancel: CancelFlag = neverCancelled,
): Promise<PruneResult> {
  const plan = resolvePlan(options, calibration);
  if (plan.allocation === 'joint' && plan.sparsity > 0) return pruneFromDenseStatistics(runner, calibration, plan, progress, cancel);
  const startedMs = performance.now();
  const timings: PhaseTimingsMs = { embed: 0, allocate: 0, calibrate: 0, statistics: 0, score: 0, select: 0, restore: 0, compact: 0, error: 0, propagate: 0, total: 0 };
  const numLayers = runner.numLayers;

  let keepByLayer: Record<GroupName, number[]> | undefined;
  if (plan.allocation === 'global' && plan.sparsity > 0) {
    const t = performance.now();
    keepByLayer = await allocateGlobally(runner, calibration, plan, progress, cancel);
    timings.allocate = performance.now() - t;
  }

  let hidden: Hidden[] = [];
  try {
    let t = performance.now();
    hidden = await embedAll(runner, calibration, progress, cancel);
    timings.embed = performance.now() - t;

    const windows = calibration.length;
    const total = numLayers * (windows + 1) + Math.max(0, numLayers - 1) * windows;
    let done = 0;
    const step = (layer: number, what: string) => progress({ phase: 'prune', done, total, message: `layer ${layer + 1}/${numLayers}: ${what}` });
    const layers: PrunableLayer[] = [];
    const reports: LayerReport[] = [];
    let before = 0;
    let after = 0;

    // Layer l − 1's propagation of window w, run by layer l's calibration just before it needs that window.
    let propagate: ((w: number) => Promise<void>) | undefined;
    for (let l = 0; l < numLayers; l++) {
      await checkpoint(cancel);
      const dense = await runner.getLayer(l);
      validateLayer(dense, `layer ${l}`);
      const keep = {
        ffn: keepFor(plan, 'ffn', dense.ffn.width, keepByLayer?.ffn[l]),
        attention: keepFor(plan, 'attention', dense.attention.width, keepByLayer?.attention[l]),
      };
      const liveHeads = liveHeadCount(dense.attention.vHeadDims);
      const keepHeads = plan.granularity === 'head' ? keepFor(plan, 'attention', liveHeads, undefined) : undefined;
      if (keepHeads !== undefined && keepHeads < liveHeads) keep.attention = 0; // the heads decide (keepHeads); statistics are wanted

      // 1. calibrate: statistics of the consumers' inputs, on the dense layer l (each window just after
      //    the pruned layer l − 1 has produced it).
      t = performance.now();
      step(l, 'calibrating');
      const { stats, resident, statisticsMs, propagateMs } = await calibrateLayer(runner, l, hidden, {
        plan,
        widths: { ffn: dense.ffn.width, attention: dense.attention.width },
        wanted: { ffn: keep.ffn < dense.ffn.width, attention: keep.attention < dense.attention.width },
        gram: plan.needs.gram,
        onWindow: () => {
          done++;
          step(l, 'calibrating');
        },
        cancel,
        before: propagate,
      });
      timings.calibrate += performance.now() - t - propagateMs;
      timings.propagate += propagateMs;
      timings.statistics += statisticsMs;

      // 2. prune both coupled groups.
      step(l, `pruning with ${plan.method}`);
      let result;
      try {
        result = await METHODS[plan.method]({
          layer: dense,
          layerIndex: l,
          stats,
          keep,
          keepHeads,
          settings: plan.settings,
          measureError: plan.measureError,
          solver: plan.solver,
          resident,
        });
      } finally {
        for (const name of GROUP_NAMES) resident[name]?.release();
      }
      done++;
      for (const name of GROUP_NAMES) {
        for (const phase of ['score', 'select', 'restore', 'compact', 'error'] as const) timings[phase] += result.report[name].timingsMs[phase];
      }

      // 3. propagate: the pruned layer's outputs are the next layer's inputs (run by its calibration).
      const pruned = result;
      const propagated = l;
      propagate = async (w) => {
        const next = await runner.runLayer(propagated, hidden[w], { weights: pruned.layer, attentionKept: pruned.report.attention.kept });
        runner.release?.(hidden[w]);
        hidden[w] = next;
        done++;
        step(propagated, 'propagating');
      };

      layers.push(result.layer);
      reports.push({ layer: l, ...result.report });
      before += groupParamCount(dense.ffn) + groupParamCount(dense.attention);
      after += groupParamCount(result.layer.ffn) + groupParamCount(result.layer.attention);
    }
    if (numLayers > 0) step(numLayers - 1, 'pruned');
    timings.total = performance.now() - startedMs;
    return {
      method: plan.method,
      sparsity: plan.sparsity,
      allocation: plan.allocation,
      granularity: plan.granularity,
      layers,
      config: prunedConfigFields(layers),
      reports,
      groupParams: { before, after },
      calibrationTokens: calibration.reduce((sum, window) => sum + window.length, 0),
      timingsMs: timings,
    };
  } finally {
    for (const h of hidden) runner.release?.(h);
  }
}

function resolvePlan<A>(options: PruneOptions<A>, calibration: readonly Int32Array[]): Plan<A> {
  if (!PRUNE_METHODS.includes(options.method)) {
    throw new InputError(`Unknown pruning method "${String(options.method)}"`, `expected one of ${PRUNE_METHODS.join(', ')}`);
  }
  const sparsity = validateSparsity(options.sparsity);
  const allocation = options.allocation ?? (options.method === 'flap' ? 'joint' : 'uniform');
  if (!ALLOCATION_MODES.includes(allocation)) throw new InputError(`allocation must be one of ${ALLOCATION_MODES.join(', ')}`, `got ${String(allocation)}`);
  const settings = resolveSettings(options.settings);
  const granularity = granularityFor(options.method, settings);
  if (allocation === 'joint' && options.method !== 'flap') throw new InputError("allocation 'joint' is FLAP's structure search", `use it with method flap, not ${options.method}`);
  if (allocation === 'joint' && options.measureError && sparsity > 0) throw new InputError("allocation 'joint' does not measure layer errors", 'it would need the Gram of every layer at once');
  if (allocation === 'global' && granularity === 'head') throw new InputError("allocation 'global' ranks single channels", "set granularity 'channel' with it, or use flap's 'joint' search for heads");
  const bounds = allocation === 'global' ? validateBounds(options.layerSparsityBounds ?? defaultBounds(sparsity), sparsity) : defaultBounds(sparsity);
  const groups = options.groups ?? GROUP_NAMES;
  for (const group of groups) if (!GROUP_NAMES.includes(group)) throw new InputError(`Unknown group "${String(group)}"`, `expected ${GROUP_NAMES.join(' or ')}`);
  const measureError = options.measureError ?? false;
  const needs = methodNeeds(options.method, { measureError });
  if (needs.activations) {
    if (calibration.length === 0) throw new InputError('Calibration data is empty', `${options.method} needs at least one window of calibration tokens`);
    calibration.forEach((window, i) => {
      if (!(window instanceof Int32Array) || window.length === 0) throw new InputError(`Calibration window ${i} is empty or not an Int32Array of token ids`);
    });
  }
  return {
    method: options.method,
    sparsity,
    allocation,
    granularity,
    bounds,
    groups,
    settings,
    needs,
    measureError,
    stats: options.stats ?? (cpuStatsFactory as unknown as StatsFactory<A>),
    solver: options.solver,
  };
}

function keepFor<A>(plan: Plan<A>, group: GroupName, width: number, allocated: number | undefined): number {
  if (!plan.groups.includes(group)) return width;
  return allocated ?? keepCountFor(width, plan.sparsity);
}

async function embedAll<H, A>(runner: LayerRunner<H, A>, calibration: readonly Int32Array[], progress: ProgressCallback, cancel: CancelFlag): Promise<H[]> {
  const hidden: H[] = [];
  try {
    for (let w = 0; w < calibration.length; w++) {
      await checkpoint(cancel);
      hidden.push(await runner.embed(calibration[w]));
      progress({ phase: 'embed', done: w + 1, total: calibration.length });
    }
    return hidden;
  } catch (error) {
    for (const h of hidden) runner.release?.(h);
    throw error;
  }
}

interface CalibrateRequest<A> {
  plan: Plan<A>;
  widths: Record<GroupName, number>;
  /** Groups that lose channels in this layer (only they need statistics). */
  wanted: Record<GroupName, boolean>;
  gram: boolean;
  onWindow: () => void;
  cancel: CancelFlag;
  /** Computes window w's input first (the previous layer's propagation); its time is reported apart. */
  before?: (w: number) => Promise<void>;
}

/**
 * Runs dense layer `layer` over every window and streams its consumers' inputs into statistics. Returns
 * undefined for a group that needs none. The layer's outputs are never needed (they are dense), so a
 * runner that can stop at the captured inputs (`captureLayer`) does.
 */
async function calibrateLayer<H, A>(
  runner: LayerRunner<H, A>,
  layer: number,
  hidden: H[],
  request: CalibrateRequest<A>,
): Promise<{ stats: Record<GroupName, CalibrationStats | undefined>; resident: Partial<Record<GroupName, ResidentStats>>; statisticsMs: number; propagateMs: number }> {
  const { plan, widths, wanted } = request;
  let propagateMs = 0;
  const input = async (w: number) => {
    if (!request.before) return;
    const started = performance.now();
    await request.before(w);
    propagateMs += performance.now() - started;
  };
  const sinks: Partial<Record<GroupName, StatsSink<A>>> = {};
  if (plan.needs.activations) {
    for (const name of plan.groups) if (wanted[name]) sinks[name] = plan.stats(widths[name], { gram: request.gram });
  }
  if (!sinks.ffn && !sinks.attention) {
    for (let w = 0; w < hidden.length; w++) {
      await checkpoint(request.cancel);
      await input(w);
      request.onWindow();
    }
    return { stats: { ffn: undefined, attention: undefined }, resident: {}, statisticsMs: 0, propagateMs };
  }
  let statisticsMs = 0;
  const timed = (sink: StatsSink<A>) => async (x: A, rows: number) => {
    const started = performance.now();
    await sink.add(x, rows);
    statisticsMs += performance.now() - started;
  };
  const capture: LayerCapture<A> = {
    fc2Input: sinks.ffn ? timed(sinks.ffn) : undefined,
    outProjInput: sinks.attention ? timed(sinks.attention) : undefined,
  };
  for (let w = 0; w < hidden.length; w++) {
    await checkpoint(request.cancel);
    await input(w);
    const h = hidden[w];
    if (runner.captureLayer) {
      await runner.captureLayer(layer, h, capture);
    } else {
      const denseOutput = await runner.runLayer(layer, h, { capture });
      runner.release?.(denseOutput);
    }
    request.onWindow();
  }
  const started = performance.now();
  // A sink that can keep its statistics where they are (a GPU) does so when the method needs nothing else of them.
  const stats: Record<GroupName, CalibrationStats | undefined> = { ffn: undefined, attention: undefined };
  const resident: Partial<Record<GroupName, ResidentStats>> = {};
  try {
    for (const name of GROUP_NAMES) {
      const sink = sinks[name];
      if (sink?.finishResident && residentCapable(plan.method, name, plan.settings, plan.measureError)) resident[name] = await sink.finishResident();
      else stats[name] = await sink?.finish();
    }
  } catch (error) {
    for (const name of GROUP_NAMES) resident[name]?.release();
    throw error;
  }
  return { stats, resident, statisticsMs: statisticsMs + performance.now() - started, propagateMs };
}

/**
 * Per-layer keep counts for 'global' allocation: each layer's column scores on the dense model (one
 * pass over the calibration windows, without the Gram; none for the weight-only metrics), ranked across
 * layers by `globalKeepCounts`.
 */
async function allocateGlobally<H, A>(runner: LayerRunner<H, A>, calibration: readonly Int32Array[], plan: Plan<A>, progress: ProgressCallback, cancel: CancelFlag): Promise<Record<GroupName, number[]>> {
  const scores: Record<GroupName, Float64Array[]> = { ffn: [], attention: [] };
  const numLayers = runner.numLayers;
  const usesActivations = methodNeeds(plan.method).activations;
  const hidden = usesActivations ? await embedAll(runner, calibration, progress, cancel) : [];
  try {
    for (let l = 0; l < numLayers; l++) {
      await checkpoint(cancel);
      const dense = await runner.getLayer(l);
      validateLayer(dense, `layer ${l}`);
      const stats: Record<GroupName, CalibrationStats | undefined> = { ffn: undefined, attention: undefined };
      if (usesActivations) {
        const sinks = { ffn: plan.stats(dense.ffn.width, { gram: false }), attention: plan.stats(dense.attention.width, { gram: false }) };
        const capture: LayerCapture<A> = { fc2Input: (x, rows) => sinks.ffn.add(x, rows), outProjInput: (x, rows) => sinks.attention.add(x, rows) };
        for (let w = 0; w < hidden.length; w++) {
          await checkpoint(cancel);
          const next = await runner.runLayer(l, hidden[w], { capture });
          runner.release?.(hidden[w]);
          hidden[w] = next;
          progress({ phase: 'allocate', done: l * hidden.length + w + 1, total: numLayers * hidden.length, message: `layer ${l + 1}/${numLayers}` });
        }
        stats.ffn = await sinks.ffn.finish();
        stats.attention = await sinks.attention.finish();
      }
      for (const name of GROUP_NAMES) scores[name].push(scoreGroup(plan.method, dense[name], stats[name], { layerIndex: l, groupName: name, settings: plan.settings }));
    }
  } finally {
    for (const h of hidden) runner.release?.(h);
  }
  return {
    ffn: globalKeepCounts(scores.ffn, plan.sparsity, plan.bounds),
    attention: globalKeepCounts(scores.attention, plan.sparsity, plan.bounds),
  };
}

/**
 * FLAP as published (allocation 'joint'): one pass of the dense model collects every layer's statistics
 * (no pruned layer feeds the next), the joint search (flapSearch.ts) picks the FFN channels and heads
 * kept across all layers, and each layer is compacted with its biases compensated from the dense means.
 */
async function pruneFromDenseStatistics<H, A>(runner: LayerRunner<H, A>, calibration: readonly Int32Array[], plan: Plan<A>, progress: ProgressCallback, cancel: CancelFlag): Promise<PruneResult> {
  const startedMs = performance.now();
  const timings: PhaseTimingsMs = { embed: 0, allocate: 0, calibrate: 0, statistics: 0, score: 0, select: 0, restore: 0, compact: 0, error: 0, propagate: 0, total: 0 };
  const numLayers = runner.numLayers;
  let t = performance.now();
  const hidden = await embedAll(runner, calibration, progress, cancel);
  timings.embed = performance.now() - t;
  const dense: PrunableLayer[] = [];
  const stats: Record<GroupName, CalibrationStats | undefined>[] = [];
  try {
    t = performance.now();
    for (let l = 0; l < numLayers; l++) {
      await checkpoint(cancel);
      const layer = await runner.getLayer(l);
      validateLayer(layer, `layer ${l}`);
      dense.push(layer);
      const sinks: Partial<Record<GroupName, StatsSink<A>>> = {};
      for (const name of plan.groups) sinks[name] = plan.stats(layer[name].width, { gram: false });
      const capture: LayerCapture<A> = {
        fc2Input: sinks.ffn ? (x, rows) => sinks.ffn!.add(x, rows) : undefined,
        outProjInput: sinks.attention ? (x, rows) => sinks.attention!.add(x, rows) : undefined,
      };
      for (let w = 0; w < hidden.length; w++) {
        await checkpoint(cancel);
        const next = await runner.runLayer(l, hidden[w], { capture });
        runner.release?.(hidden[w]);
        hidden[w] = next;
        progress({ phase: 'calibrate', done: l * hidden.length + w + 1, total: numLayers * hidden.length, message: `layer ${l + 1}/${numLayers}: dense statistics` });
      }
      stats.push({ ffn: await sinks.ffn?.finish(), attention: await sinks.attention?.finish() });
    }
    timings.calibrate = performance.now() - t;
  } finally {
    for (const h of hidden) runner.release?.(h);
  }

  t = performance.now();
  const scores = dense.map((layer, l) => {
    const score = (name: GroupName) =>
      plan.groups.includes(name) ? scoreGroup(plan.method, layer[name], stats[l][name], { layerIndex: l, groupName: name, settings: plan.settings }) : new Float64Array(0);
    return { ffn: score('ffn'), attention: score('attention'), vHeadDims: layer.attention.vHeadDims };
  });
  timings.score = performance.now() - t;
  t = performance.now();
  const hiddenSize = dense[0]?.ffn.hiddenSize ?? 0;
  const numHeads = dense[0]?.attention.vHeadDims.length ?? 1;
  const chosen = flapJointSearch(scores, { sparsity: plan.sparsity, hiddenSize, queryKeyHeadDim: hiddenSize / numHeads, granularity: plan.granularity });
  timings.select = performance.now() - t;

  const layers: PrunableLayer[] = [];
  const reports: LayerReport[] = [];
  let before = 0;
  let after = 0;
  for (let l = 0; l < numLayers; l++) {
    await checkpoint(cancel);
    const all = (width: number) => Int32Array.from({ length: width }, (_, j) => j);
    const kept = {
      ffn: plan.groups.includes('ffn') ? chosen[l].ffn : all(dense[l].ffn.width),
      attention: plan.groups.includes('attention') ? chosen[l].attention : all(dense[l].attention.width),
    };
    const result = await METHODS[plan.method]({ layer: dense[l], layerIndex: l, stats: stats[l], keep: { ffn: kept.ffn.length, attention: kept.attention.length }, kept, settings: plan.settings });
    for (const name of GROUP_NAMES) for (const phase of ['restore', 'compact'] as const) timings[phase] += result.report[name].timingsMs[phase];
    layers.push(result.layer);
    reports.push({ layer: l, ...result.report });
    before += groupParamCount(dense[l].ffn) + groupParamCount(dense[l].attention);
    after += groupParamCount(result.layer.ffn) + groupParamCount(result.layer.attention);
    progress({ phase: 'prune', done: l + 1, total: numLayers, message: `layer ${l + 1}/${numLayers}: compacting` });
  }
  timings.total = performance.now() - startedMs;
  return {
    method: plan.method,
    sparsity: plan.sparsity,
    allocation: plan.allocation,
    granularity: plan.granularity,
    layers,
    config: prunedConfigFields(layers),
    reports,
    groupParams: { before, after },
    calibrationTokens: calibration.reduce((sum, window) => sum + window.length, 0),
    timingsMs: timings,
  };
}
