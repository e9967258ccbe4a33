import { toCsv } from '../../util/csv.ts';
import type { StudyCellResult, StudyRow } from './aggregate.ts';

/** The study's downloads: one line per (source, sparsity, method), and one per pruned model. */
export function studyRowsCsv(rows: readonly StudyRow[]): string {
  return toCsv(
    ['source', 'source_label', 'sparsity', 'method', 'seeds', 'wikitext2_test_ppl_mean', 'wikitext2_test_ppl_sd', 'c4_ppl_mean', 'c4_ppl_sd'],
    rows.map((r) => [r.sourceKey, r.sourceLabel, r.sparsity, r.method, r.seeds.length, r.wikitextTestPpl.mean, r.wikitextTestPpl.sd, r.c4Ppl.mean, r.c4Ppl.sd]),
  );
}

export function studyCellsCsv(results: readonly StudyCellResult[]): string {
  return toCsv(
    ['source', 'source_label', 'seed', 'sparsity', 'method', 'wikitext2_test_ppl', 'c4_ppl', 'params_removed', 'seconds'],
    results.map((r) => [r.sourceKey, r.sourceLabel, r.seed, r.sparsity, r.method, r.wikitextTestPpl, r.c4Ppl, r.paramsRemoved, r.seconds]),
  );
}
