import type { StudyCell, StudyMethod } from './grid.ts';

/** What one cell of the study measured: the pruned model's perplexities. */
export interface StudyCellResult extends StudyCell {
  sourceLabel: string;
  /** Perplexity on (a documented budget of) the WikiText-2 test split. */
  wikitextTestPpl: number;
  /** Perplexity on the C4 sample. */
  c4Ppl: number;
  /** Share of all parameters removed. */
  paramsRemoved: number | null;
  /** Seconds to prune and score (calibration set not included). */
  seconds: number;
}

export interface MeanSd {
  mean: number;
  /** Sample standard deviation (n − 1); null for a single value. */
  sd: number | null;
  n: number;
}

/** One row of the results table: a (source, sparsity, method) over its seeds. */
export interface StudyRow {
  sourceKey: string;
  sourceLabel: string;
  sparsity: number;
  method: StudyMethod;
  seeds: number[];
  wikitextTestPpl: MeanSd;
  c4Ppl: MeanSd;
}

export function meanSd(values: readonly number[]): MeanSd {
  if (values.length === 0) throw new RangeError('meanSd of no values');
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, sd: null, n };
  const squares = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(squares / (n - 1)), n };
}

/** Groups cell results by (source, sparsity, method), in the order each group first appears. */
export function aggregateStudy(results: readonly StudyCellResult[]): StudyRow[] {
  const groups = new Map<string, StudyCellResult[]>();
  for (const r of results) {
    const key = JSON.stringify([r.sourceKey, r.sparsity, r.method]);
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((group) => ({
    sourceKey: group[0].sourceKey,
    sourceLabel: group[0].sourceLabel,
    sparsity: group[0].sparsity,
    method: group[0].method,
    seeds: group.map((r) => r.seed),
    wikitextTestPpl: meanSd(group.map((r) => r.wikitextTestPpl)),
    c4Ppl: meanSd(group.map((r) => r.c4Ppl)),
  }));
}

export function formatMeanSd(value: MeanSd, digits = 1): string {
  return value.sd === null ? value.mean.toFixed(digits) : `${value.mean.toFixed(digits)} ± ${value.sd.toFixed(digits)}`;
}
