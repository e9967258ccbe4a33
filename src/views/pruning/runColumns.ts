import type { PruneReport } from '../../workers/pruningApi.ts';
import { GLOSSARY } from '../shared/glossary.ts';
import type { Column } from '../shared/table.ts';
import { METHOD_LABELS } from './pruningState.svelte.ts';

/**
 * The runs table's rows and columns: one row per run, flat fields so the CSV download keeps raw
 * numbers. Prune time is split by phase as the pipeline measured it. Speed is the interleaved timing's
 * median tokens/s of each model and the ratio's range; "no measurable difference" when the ranges overlap.
 */
export interface RunRow extends Record<string, unknown> {
  run: number;
  method: string;
  sparsity: number;
  pplDense: number;
  ppl: number;
  /** (pruned − dense) / dense perplexity. */
  deltaPpl: number;
  evalTokens: number;
  params: number;
  removed: number;
  removedNoEmbeddings: number;
  calibrate: number;
  restore: number;
  propagate: number;
  pruneTotal: number;
  tokensPerSecondDense: number;
  tokensPerSecondPruned: number;
  speedRatio?: number;
  speedRatioMin?: number;
  speedRatioMax?: number;
  speedVerdict: string;
}

function speedVerdict(r: PruneReport): string {
  if (!r.speed) return 'not timed';
  if (!r.speed.measurable) return 'no measurable difference';
  return r.speed.ratio > 1 ? 'faster' : 'slower';
}

/** The method with what it removed in attention and how layers shared the budget, e.g. "FLAP (heads, joint)". */
export function runLabel(r: Pick<PruneReport, 'method' | 'granularity' | 'allocation'>): string {
  const unit = r.granularity === 'head' ? 'heads' : 'channels';
  return `${METHOD_LABELS[r.method]} (${unit}${r.allocation === 'uniform' ? '' : `, ${r.allocation}`})`;
}

export function runRow(r: PruneReport): RunRow {
  const t = r.timingsMs;
  return {
    run: r.runId,
    method: runLabel(r),
    sparsity: r.sparsity,
    pplDense: r.dense.ppl,
    ppl: r.pruned.ppl,
    deltaPpl: (r.pruned.ppl - r.dense.ppl) / r.dense.ppl,
    evalTokens: r.pruned.tokens,
    params: r.params.after.total,
    removed: r.params.reduction.total,
    removedNoEmbeddings: r.params.reduction.withoutEmbeddings,
    calibrate: t.calibrate / 1000,
    restore: (t.score + t.select + t.restore + t.compact) / 1000,
    propagate: (t.embed + t.propagate) / 1000,
    pruneTotal: t.total / 1000,
    tokensPerSecondDense: r.speed?.dense.median ?? r.dense.tokensPerSecond,
    tokensPerSecondPruned: r.speed?.pruned.median ?? r.pruned.tokensPerSecond,
    speedRatio: r.speed?.ratio,
    speedRatioMin: r.speed?.ratioMin,
    speedRatioMax: r.speed?.ratioMax,
    speedVerdict: speedVerdict(r),
  };
}

const fixed = (digits: number) => (value: unknown) => (typeof value === 'number' ? value.toFixed(digits) : '');
const percent = (value: unknown) => (typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '');
const signedPercent = (value: unknown) => (typeof value === 'number' ? `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(2)}%` : '');
const ratio = (value: unknown) => (typeof value === 'number' ? `${value.toFixed(2)}×` : '');

export const RUN_COLUMNS: Column<RunRow>[] = [
  { key: 'run', label: '#' },
  { key: 'method', label: 'method' },
  { key: 'sparsity', label: 's', format: fixed(2) },
  { key: 'ppl', label: 'ppl (test)', format: fixed(2), title: GLOSSARY.perplexity.meaning, better: 'lower' },
  { key: 'pplDense', label: 'dense ppl', format: fixed(2) },
  { key: 'deltaPpl', label: 'Δppl vs dense', format: signedPercent },
  { key: 'params', label: 'params', format: (v) => (typeof v === 'number' ? `${(v / 1e6).toFixed(2)} M` : '') },
  { key: 'removed', label: 'removed', format: percent },
  { key: 'removedNoEmbeddings', label: 'removed w/o emb.', format: percent },
  { key: 'calibrate', label: 'calibrate s', format: fixed(1) },
  { key: 'restore', label: 'score+restore s', format: fixed(2) },
  { key: 'propagate', label: 'propagate s', format: fixed(1) },
  { key: 'pruneTotal', label: 'prune s', format: fixed(1) },
  { key: 'tokensPerSecondDense', label: 'tok/s dense (median)', format: fixed(0) },
  { key: 'tokensPerSecondPruned', label: 'tok/s pruned (median)', format: fixed(0) },
  { key: 'speedRatio', label: 'speed ×', format: ratio },
  { key: 'speedRatioMin', label: 'speed × min', format: ratio },
  { key: 'speedRatioMax', label: 'speed × max', format: ratio },
  { key: 'speedVerdict', label: 'speed' },
];
