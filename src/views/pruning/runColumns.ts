import type { PruneReport } from '../../workers/pruningApi.ts';
import { GLOSSARY } from '../shared/glossary.ts';
import type { Column } from '../shared/table.ts';
import { METHOD_LABELS } from './pruningState.svelte.ts';

/**
 * The runs table's rows and columns: one row per run, flat fields so the CSV download keeps raw
 * numbers. Prune time is split by phase as the pipeline measured it.
 */
export interface RunRow extends Record<string, unknown> {
  run: number;
  method: string;
  sparsity: number;
  pplDense: number;
  ppl: number;
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
}

export function runRow(r: PruneReport): RunRow {
  const t = r.timingsMs;
  return {
    run: r.runId,
    method: METHOD_LABELS[r.method],
    sparsity: r.sparsity,
    pplDense: r.dense.ppl,
    ppl: r.pruned.ppl,
    evalTokens: r.pruned.tokens,
    params: r.params.after.total,
    removed: r.params.reduction.total,
    removedNoEmbeddings: r.params.reduction.withoutEmbeddings,
    calibrate: t.calibrate / 1000,
    restore: (t.score + t.select + t.restore + t.compact) / 1000,
    propagate: (t.embed + t.propagate) / 1000,
    pruneTotal: t.total / 1000,
    tokensPerSecondDense: r.dense.tokensPerSecond,
    tokensPerSecondPruned: r.pruned.tokensPerSecond,
  };
}

const fixed = (digits: number) => (value: unknown) => (typeof value === 'number' ? value.toFixed(digits) : '');
const percent = (value: unknown) => (typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '');

export const RUN_COLUMNS: Column<RunRow>[] = [
  { key: 'run', label: '#' },
  { key: 'method', label: 'method' },
  { key: 'sparsity', label: 's', format: fixed(2) },
  { key: 'ppl', label: 'ppl (test)', format: fixed(2), title: GLOSSARY.perplexity.meaning, better: 'lower' },
  { key: 'pplDense', label: 'dense ppl', format: fixed(2) },
  { key: 'params', label: 'params', format: (v) => (typeof v === 'number' ? `${(v / 1e6).toFixed(2)} M` : '') },
  { key: 'removed', label: 'removed', format: percent },
  { key: 'removedNoEmbeddings', label: 'removed w/o emb.', format: percent },
  { key: 'calibrate', label: 'calibrate s', format: fixed(1) },
  { key: 'restore', label: 'score+restore s', format: fixed(2) },
  { key: 'propagate', label: 'propagate s', format: fixed(1) },
  { key: 'pruneTotal', label: 'prune s', format: fixed(1) },
  { key: 'tokensPerSecondDense', label: 'tok/s dense', format: fixed(0) },
  { key: 'tokensPerSecondPruned', label: 'tok/s pruned', format: fixed(0) },
];
