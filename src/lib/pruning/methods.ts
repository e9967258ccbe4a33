import { InputError } from '../errors.ts';
import { compensateBias } from './biasCompensation.ts';
import type { CalibrationStats } from './calibrationStats.ts';
import { compactGroup } from './compaction.ts';
import { channelsOfHeads, headScores, liveHeadCount, selectTopHeads, validateGranularity, type Granularity, type HeadReduction } from './heads.ts';
import { layerOutputError } from './layerError.ts';
import { columnScores, layerSeed, metricCode, type ColumnMetric, type WeightNorm } from './metrics.ts';
import type { ResidentStats } from './residentStats.ts';
import { DEFAULT_DAMPING_DELTA, restoreCpu, type RestorationInput, type RestorationOptions, type RestorationResult } from './restoration.ts';
import { cloneGroup, GROUP_NAMES, GROUP_TENSORS, type CoupledGroup, type GroupName, type PrunableLayer } from './structure.ts';
import { selectTopColumns } from './topK.ts';

/**
 * The pruning methods of issue #4, one function each, all with the same inputs (a layer, the
 * statistics of its two consumers' inputs, how many channels to keep) and the same output (the
 * compacted layer and a report). They differ only in how columns are scored and what happens to the
 * kept weights afterwards:
 *
 *   method          score (metrics.ts)                   after selection
 *   fasp            ‖X_j‖₂ · Σ_i|W_ij|  (norm setting)    restoration W'_K = W_K + W_D G_DK (G_KK + λI)⁻¹
 *   fasp-norestore  same as fasp                          nothing (ablation)
 *   wanda-sp        ‖X_j‖₂ · Σ_i|W_ij|  (always L1)       nothing
 *   flap            Var(X_j) · ‖W_j‖₂²                    bias compensation b' = b + W_D mean(X_D)
 *   magnitude       ‖W_j‖₂                                nothing
 *   random          seeded U[0, 1)                        nothing
 *
 * With the default L1 norm and channel granularity, fasp-norestore and wanda-sp keep the same channels;
 * the ablation differs from wanda-sp only when FASP's norm is set to L2.
 *
 * Granularity of the attention group (heads.ts, issue #14): Wanda-sp and FLAP as published remove
 * whole heads, and that is their default here (`granularity: 'head'`); FASP prunes single value
 * channels (its paper's structure) and refuses 'head'. Magnitude and random default to channels and
 * take either. A head's score: Σ of its channels' scores (wanda-sp, magnitude, random), Σ of their
 * squares (flap, as FLAP's code scores heads). The FFN group is always pruned channel by channel.
 */
export type PruneMethodName = 'fasp' | 'fasp-norestore' | 'wanda-sp' | 'flap' | 'magnitude' | 'random';
export const PRUNE_METHODS: readonly PruneMethodName[] = ['fasp', 'fasp-norestore', 'wanda-sp', 'flap', 'magnitude', 'random'];

export interface MethodSettings {
  /** Norm over W's rows in FASP's metric: 'l1' (Σ_i |W_ij|, the paper's) or 'l2'. */
  norm: WeightNorm;
  /** δ of the restoration damping λ = δ·mean(diag G_KK). */
  dampingDelta: number;
  /** Restoration also refits the consumer bias (X augmented with a constant column). */
  refitBias: boolean;
  /** Seed of the random baseline. */
  seed: number;
  /** Whole heads or single value channels in the attention group; absent: the method's own (see above). */
  granularity?: Granularity;
}

export const DEFAULT_METHOD_SETTINGS: MethodSettings = { norm: 'l1', dampingDelta: DEFAULT_DAMPING_DELTA, refitBias: false, seed: 0 };

/** Where the restoration solve runs: the float64 CPU solve by default; the WGSL solve plugs in here. */
export type RestorationSolver = (input: RestorationInput, options: RestorationOptions) => Promise<RestorationResult>;

export const cpuRestorationSolver: RestorationSolver = async (input, options) => restoreCpu(input, options);

export interface LayerPruneInput {
  layer: PrunableLayer;
  layerIndex: number;
  /** Statistics of fc2's and out_proj's inputs (with the Gram where `methodNeeds` says so). */
  stats: Record<GroupName, CalibrationStats | undefined>;
  /** Channels to keep per group. */
  keep: Record<GroupName, number>;
  settings?: Partial<MethodSettings>;
  /** Heads to keep in the attention group when the granularity is 'head' (default: the share of live heads that keep.attention is of the channels). */
  keepHeads?: number;
  /** Channels chosen beforehand (FLAP's joint search): scoring and selection are skipped for these groups. */
  kept?: Partial<Record<GroupName, Int32Array>>;
  /** Also compute the layer output error on the calibration data (needs the Gram; 2·d·n² work). */
  measureError?: boolean;
  solver?: RestorationSolver;
  /**
   * Statistics that stayed on the device (residentStats.ts), for groups where `residentCapable` holds:
   * such a group is scored, selected and restored there, and `stats` of it is not needed.
   */
  resident?: Partial<Record<GroupName, ResidentStats>>;
}

export interface GroupReport {
  width: number;
  keptCount: number;
  /** Ascending indices into the dense group's channels. */
  kept: Int32Array;
  /** Attention group pruned by whole heads: the heads kept (ascending). */
  keptHeads?: number[];
  /** Restoration only. */
  lambda?: number;
  relativeResidual?: number;
  /** Relative output error of the consumer on the calibration tokens (when measured). */
  outputError?: number;
  timingsMs: { score: number; select: number; restore: number; compact: number; error: number };
}

export interface LayerPruneResult {
  layer: PrunableLayer;
  report: Record<GroupName, GroupReport>;
}

type Finish = 'none' | 'restore' | 'compensate-bias';

interface Recipe {
  metric(settings: MethodSettings, seed: number): ColumnMetric;
  finish: Finish;
  /** Attention granularity when none is set; undefined: channels only. */
  heads?: { byDefault: boolean; reduction: HeadReduction };
}

const RECIPES: Record<PruneMethodName, Recipe> = {
  fasp: { metric: (s) => ({ kind: 'wanda', norm: s.norm }), finish: 'restore' },
  'fasp-norestore': { metric: (s) => ({ kind: 'wanda', norm: s.norm }), finish: 'none' },
  'wanda-sp': { metric: () => ({ kind: 'wanda', norm: 'l1' }), finish: 'none', heads: { byDefault: true, reduction: 'sum' } },
  flap: { metric: () => ({ kind: 'fluctuation' }), finish: 'compensate-bias', heads: { byDefault: true, reduction: 'sumsq' } },
  magnitude: { metric: () => ({ kind: 'magnitude' }), finish: 'none', heads: { byDefault: false, reduction: 'sum' } },
  random: { metric: (_s, seed) => ({ kind: 'random', seed }), finish: 'none', heads: { byDefault: false, reduction: 'sum' } },
};

/** The attention granularity a method runs with under these settings (InputError for FASP with 'head'). */
export function granularityFor(method: PruneMethodName, settings: Partial<MethodSettings> = {}): Granularity {
  const heads = RECIPES[method].heads;
  if (settings.granularity === undefined) return heads?.byDefault ? 'head' : 'channel';
  const granularity = validateGranularity(settings.granularity);
  if (granularity === 'head' && !heads) throw new InputError(`${method} prunes single value channels`, "granularity 'head' is for the comparators (wanda-sp, flap, magnitude, random)");
  return granularity;
}

/** How a method turns its value channels' scores into head scores. */
export function headReductionFor(method: PruneMethodName): HeadReduction {
  return RECIPES[method].heads?.reduction ?? 'sum';
}

/** What calibration a method needs: activation sums, and the Gram (restoration, or the error measure). */
export function methodNeeds(method: PruneMethodName, options: { measureError?: boolean } = {}): { activations: boolean; gram: boolean } {
  const metric = RECIPES[method].metric(DEFAULT_METHOD_SETTINGS, 0).kind;
  const gram = RECIPES[method].finish === 'restore' || (options.measureError ?? false);
  return { activations: gram || metric === 'wanda' || metric === 'fluctuation' || RECIPES[method].finish === 'compensate-bias', gram };
}

export function resolveSettings(settings: Partial<MethodSettings> = {}): MethodSettings {
  const resolved = { ...DEFAULT_METHOD_SETTINGS, ...settings };
  if (resolved.norm !== 'l1' && resolved.norm !== 'l2') throw new InputError("norm must be 'l1' or 'l2'", `got ${String(resolved.norm)}`);
  if (typeof resolved.dampingDelta !== 'number' || !(resolved.dampingDelta >= 0) || !Number.isFinite(resolved.dampingDelta)) {
    throw new InputError('damping δ must be a finite number ≥ 0', `got ${String(resolved.dampingDelta)}`);
  }
  if (!Number.isInteger(resolved.seed)) throw new InputError('seed must be an integer', `got ${String(resolved.seed)}`);
  if (resolved.granularity !== undefined) validateGranularity(resolved.granularity);
  return resolved;
}

/**
 * Whether a group can be pruned where its statistics live (residentStats.ts): the method scores with
 * the activation norms (wanda metric), selects single channels, and restores (with or without the bias
 * refit) or does nothing after selection; and no output error is measured (that needs the Gram here).
 */
export function residentCapable(method: PruneMethodName, group: GroupName, settings: MethodSettings, measureError: boolean): boolean {
  const recipe = RECIPES[method];
  if (recipe.metric(settings, 0).kind !== 'wanda' || measureError) return false;
  if (group === 'attention' && granularityFor(method, settings) === 'head') return false;
  return recipe.finish === 'none' || recipe.finish === 'restore';
}

/** Scores of one group's channels under a method (the pipeline's global allocation ranks these). */
export function scoreGroup(
  method: PruneMethodName,
  group: CoupledGroup,
  stats: CalibrationStats | undefined,
  where: { layerIndex: number; groupName: GroupName; settings?: Partial<MethodSettings> },
): Float64Array {
  const settings = resolveSettings(where.settings);
  const seed = layerSeed(settings.seed, where.layerIndex, GROUP_NAMES.indexOf(where.groupName));
  const scores = columnScores(RECIPES[method].metric(settings, seed), { weight: group.consumerWeight, dOut: group.hiddenSize, n: group.width }, stats);
  const j = firstNonFinite(scores);
  if (j >= 0) {
    throw new InputError(`Layer ${where.layerIndex} ${GROUP_TENSORS[where.groupName].consumer}: the ${method} score of channel ${j} is ${scores[j]}`, 'weights and calibration activations must be finite');
  }
  return scores;
}

/** The first index whose value is NaN or ±∞, or −1 (CPU twin of src/kernels/pruning/firstNonFinite.wgsl). */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let j = 0; j < values.length; j++) if (!Number.isFinite(values[j])) return j;
  return -1;
}

/** Heads kept: `keepHeads`, or else the share of live heads that `keep.attention` is of the channels. */
function keepHeadsOf(input: LayerPruneInput): number {
  const { vHeadDims, width } = input.layer.attention;
  const live = liveHeadCount(vHeadDims);
  if (input.keepHeads !== undefined) return Math.min(live, input.keepHeads);
  if (width === 0) return 0;
  return Math.min(live, Math.max(1, Math.round((input.keep.attention * live) / width)));
}

/** Channels kept: given beforehand, the best whole heads, or the best channels. */
function selectChannels(method: PruneMethodName, input: LayerPruneInput, groupName: GroupName, settings: MethodSettings, timingsMs: GroupReport['timingsMs']): { kept: Int32Array; keptHeads?: number[] } {
  const group = input.layer[groupName];
  const given = input.kept?.[groupName];
  const byHeads = groupName === 'attention' && granularityFor(method, settings) === 'head';
  const vHeadDims = (group as PrunableLayer['attention']).vHeadDims;
  if (given) {
    const keptHeads = byHeads ? vHeadDims.flatMap((width, h) => (width > 0 && channelsOfHeads(vHeadDims, [h]).every((c) => given.includes(c)) ? [h] : [])) : undefined;
    return { kept: given, keptHeads };
  }
  let started = performance.now();
  const scores = scoreGroup(method, group, input.stats[groupName], { layerIndex: input.layerIndex, groupName, settings });
  timingsMs.score = performance.now() - started;
  started = performance.now();
  try {
    if (!byHeads) return { kept: selectTopColumns(scores, input.keep[groupName]) };
    const keptHeads = selectTopHeads(headScores(scores, vHeadDims, headReductionFor(method)), vHeadDims, keepHeadsOf(input));
    return { kept: channelsOfHeads(vHeadDims, keptHeads), keptHeads };
  } finally {
    timingsMs.select = performance.now() - started;
  }
}

async function pruneGroup(method: PruneMethodName, input: LayerPruneInput, groupName: GroupName, settings: MethodSettings): Promise<{ group: CoupledGroup; report: GroupReport }> {
  const recipe = RECIPES[method];
  const group = input.layer[groupName];
  const stats = input.stats[groupName];
  const { hiddenSize: d, width: n } = group;
  const timingsMs = { score: 0, select: 0, restore: 0, compact: 0, error: 0 };
  const byHeads = groupName === 'attention' && granularityFor(method, settings) === 'head';
  const vHeadDims = (group as PrunableLayer['attention']).vHeadDims;
  const removesNothing = input.kept?.[groupName]
    ? input.kept[groupName].length === n
    : byHeads
      ? keepHeadsOf(input) >= liveHeadCount(vHeadDims)
      : input.keep[groupName] >= n;
  if (removesNothing) {
    // Nothing to remove (s = 0, or a group left out): the group is returned as it was.
    const all = Int32Array.from({ length: n }, (_, j) => j);
    const keptHeads = byHeads ? vHeadDims.flatMap((w, h) => (w > 0 ? [h] : [])) : undefined;
    return { group: cloneGroup(group), report: { width: n, keptCount: n, kept: all, keptHeads, timingsMs } };
  }
  const resident = input.resident?.[groupName];
  if (resident && !input.kept?.[groupName]) return pruneGroupResident(method, input, groupName, settings, resident);
  const { kept, keptHeads } = selectChannels(method, input, groupName, settings, timingsMs);

  let started = performance.now();
  const consumer = { weight: group.consumerWeight, bias: group.consumerBias, dOut: d, n };
  const report: GroupReport = { width: n, keptCount: kept.length, kept, keptHeads, timingsMs };
  let consumerWeightKept: Float32Array | undefined;
  let consumerBias: Float32Array | undefined;
  if (recipe.finish === 'restore') {
    if (!stats) throw new RangeError(`${method}: restoration needs calibration statistics`);
    const solve = input.solver ?? cpuRestorationSolver;
    const restored = await solve({ ...consumer, kept, stats }, { dampingDelta: settings.dampingDelta, refitBias: settings.refitBias });
    consumerWeightKept = restored.weightKept;
    consumerBias = restored.bias;
    report.lambda = restored.lambda;
    report.relativeResidual = restored.relativeResidual;
  } else if (recipe.finish === 'compensate-bias') {
    if (!stats) throw new RangeError(`${method}: bias compensation needs calibration statistics`);
    consumerBias = compensateBias(consumer, kept, stats);
  }
  timingsMs.restore = performance.now() - started;

  started = performance.now();
  const compacted = compactGroup({ group, kept, consumerWeightKept, consumerBias });
  timingsMs.compact = performance.now() - started;

  if (input.measureError) {
    if (!stats?.gram) throw new RangeError(`${method}: the output error needs the Gram of the calibration inputs`);
    started = performance.now();
    report.outputError = layerOutputError(consumer, { weightKept: compacted.consumerWeight, bias: compacted.consumerBias, kept }, stats);
    timingsMs.error = performance.now() - started;
  }
  return { group: compacted, report };
}

/** The group's step where its statistics live: scores, top-k and restoration there, compaction here. */
async function pruneGroupResident(method: PruneMethodName, input: LayerPruneInput, groupName: GroupName, settings: MethodSettings, resident: ResidentStats): Promise<{ group: CoupledGroup; report: GroupReport }> {
  const recipe = RECIPES[method];
  const group = input.layer[groupName];
  const metric = recipe.metric(settings, 0);
  if (metric.kind !== 'wanda' || recipe.finish === 'compensate-bias') throw new RangeError(`${method}: this group cannot be pruned where its statistics live`);
  const out = await resident.prune({
    weight: group.consumerWeight,
    bias: group.consumerBias,
    dOut: group.hiddenSize,
    n: group.width,
    keep: input.keep[groupName],
    metric: metricCode(metric),
    restore: recipe.finish === 'restore' ? { dampingDelta: settings.dampingDelta, refitBias: settings.refitBias } : undefined,
  });
  if (out.nonFiniteChannel !== undefined) {
    throw new InputError(`Layer ${input.layerIndex} ${GROUP_TENSORS[groupName].consumer}: the ${method} score of channel ${out.nonFiniteChannel} is not finite`, 'weights and calibration activations must be finite');
  }
  const timingsMs = { ...out.timingsMs, compact: 0, error: 0 };
  const report: GroupReport = { width: group.width, keptCount: out.kept.length, kept: out.kept, lambda: out.lambda, relativeResidual: out.relativeResidual, timingsMs };
  const started = performance.now();
  const compacted = compactGroup({ group, kept: out.kept, consumerWeightKept: out.weightKept, consumerBias: out.bias });
  timingsMs.compact = performance.now() - started;
  return { group: compacted, report };
}

async function pruneLayerWith(method: PruneMethodName, input: LayerPruneInput): Promise<LayerPruneResult> {
  const settings = resolveSettings(input.settings);
  const ffn = await pruneGroup(method, input, 'ffn', settings);
  const attention = await pruneGroup(method, input, 'attention', settings);
  return {
    layer: { ffn: ffn.group, attention: attention.group as PrunableLayer['attention'] },
    report: { ffn: ffn.report, attention: attention.report },
  };
}

export const fasp = (input: LayerPruneInput) => pruneLayerWith('fasp', input);
export const faspNoRestore = (input: LayerPruneInput) => pruneLayerWith('fasp-norestore', input);
export const wandaSp = (input: LayerPruneInput) => pruneLayerWith('wanda-sp', input);
export const flap = (input: LayerPruneInput) => pruneLayerWith('flap', input);
export const magnitude = (input: LayerPruneInput) => pruneLayerWith('magnitude', input);
export const random = (input: LayerPruneInput) => pruneLayerWith('random', input);

export const METHODS: Record<PruneMethodName, (input: LayerPruneInput) => Promise<LayerPruneResult>> = {
  fasp,
  'fasp-norestore': faspNoRestore,
  'wanda-sp': wandaSp,
  flap,
  magnitude,
  random,
};
