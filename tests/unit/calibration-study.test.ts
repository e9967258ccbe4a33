import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCliModel, REPO_ROOT, WIKITEXT_TEST_FILE } from '../../src/cli/commands/optModel.ts';
import { buildCalibrationSet, type CalibrationSet } from '../../src/lib/calibration/build.ts';
import { fileTextReader } from '../../src/lib/calibration/nodeTextReader.ts';
import { pruningStudyEnvironment, scorePerplexities } from '../../src/lib/calibration/study/pruningEnvironment.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { joinDatasetRows } from '../../src/lib/opt/data/wikitext.ts';
import { tfPruneKernels } from '../../src/lib/pruning/tfDenseProduct.ts';
import { aggregateStudy, calibrationJobs, cellCount, meanSd, runStudy, studyCellsCsv, studyRowsCsv, studySource, type StudyCellResult, type StudyEnvironment, type StudySpec } from '../../src/lib/calibration/study/index.ts';
import { CancelFlag } from '../../src/lib/cancel.ts';
import { Cancelled } from '../../src/lib/errors.ts';
import type { Progress } from '../../src/lib/progress.ts';

/** The study's queue, aggregation and downloads, with a stand-in for pruning. */
const spec: StudySpec = {
  sources: [studySource({ kind: 'wikitext2' }), studySource({ kind: 'random' })],
  seeds: [0, 1, 2],
  sparsities: [0.2, 0.4],
  methods: ['fasp', 'wanda-sp'],
  nsamples: 4,
  seqlen: 8,
};

/** A pruner whose perplexity is a known function of the cell, so the aggregate can be checked by hand. */
function fakeEnvironment(log: string[] = []): StudyEnvironment {
  return {
    async buildSet(request, progress) {
      progress({ phase: 'windows', done: 1, total: 2 });
      log.push(`set ${request.source.kind} ${request.seed}`);
      const windows = [Int32Array.of(request.seed, 1, 2)];
      return { request, label: request.source.kind, windows, starts: null, streamTokens: null, backend: 'cpu', seconds: 0 } satisfies CalibrationSet;
    },
    async pruneAndScore(job, progress) {
      progress({ phase: 'prune', done: 1, total: 4 });
      const seed = job.windows[0][0];
      log.push(`prune ${job.label} ${job.method} ${job.sparsity}`);
      const base = (job.method === 'fasp' ? 100 : 200) * (1 + job.sparsity);
      return { wikitextTestPpl: base + seed, c4Ppl: 2 * base + 2 * seed, paramsRemoved: job.sparsity / 2 };
    },
  };
}

describe('the study grid', () => {
  it('builds each calibration set once, before the cells that prune with it', async () => {
    const log: string[] = [];
    expect(cellCount(spec)).toBe(24);
    expect(calibrationJobs(spec).map((j) => [j.source.key, j.seed, j.cells.length])).toEqual([
      ['wikitext2', 0, 4], ['wikitext2', 1, 4], ['wikitext2', 2, 4], ['random', 0, 4], ['random', 1, 4], ['random', 2, 4],
    ]);
    const results = await runStudy(spec, fakeEnvironment(log));
    expect(results).toHaveLength(24);
    expect(log.filter((l) => l.startsWith('set'))).toHaveLength(6);
    expect(log.slice(0, 5)).toEqual(['set wikitext2 0', 'prune WikiText-2 valid, seed 0 fasp 0.2', 'prune WikiText-2 valid, seed 0 wanda-sp 0.2', 'prune WikiText-2 valid, seed 0 fasp 0.4', 'prune WikiText-2 valid, seed 0 wanda-sp 0.4']);
  });

  it('refuses an empty or repeated choice, a sparsity outside (0, 0.9] and too few seeds', async () => {
    const env = fakeEnvironment();
    await expect(runStudy({ ...spec, sources: [] }, env)).rejects.toThrow(/at least one calibration source/);
    await expect(runStudy({ ...spec, seeds: [1, 1] }, env)).rejects.toThrow(/seeds must differ/);
    await expect(runStudy({ ...spec, sparsities: [0.95] }, env)).rejects.toThrow(/\(0, 0\.9\]/);
    await expect(runStudy({ ...spec, methods: ['sparsegpt' as never] }, env)).rejects.toThrow(/Unknown pruning method/);
    await expect(runStudy(spec, env, { minSeeds: 5 })).rejects.toThrow(/at least 5 seeds, got 3/);
  });

  it('reports one phase whose units are sets and cells, ending at the total', async () => {
    const reports: Progress[] = [];
    await runStudy(spec, fakeEnvironment(), { progress: (p) => reports.push(p) });
    expect(new Set(reports.map((p) => p.phase))).toEqual(new Set(['study']));
    expect(reports.every((p) => p.total === 30)).toBe(true);
    for (let i = 1; i < reports.length; i++) expect(reports[i].done).toBeGreaterThanOrEqual(reports[i - 1].done);
    expect(reports.at(-1)!.done).toBe(30);
    expect(reports.some((p) => p.message?.includes('fasp at 20 % (prune)'))).toBe(true);
  });

  it('stops on cancel and keeps every result measured before it', async () => {
    const cancel = new CancelFlag();
    const kept: StudyCellResult[] = [];
    const run = runStudy(spec, fakeEnvironment(), {
      cancel,
      onResult: (r) => {
        kept.push(r);
        if (kept.length === 5) cancel.cancel();
      },
    });
    await expect(run).rejects.toBeInstanceOf(Cancelled);
    expect(kept).toHaveLength(5);
  });
});

describe('the results table', () => {
  it('mean and sample SD, by hand', () => {
    expect(meanSd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, sd: Math.sqrt(32 / 7), n: 8 });
    expect(meanSd([3])).toEqual({ mean: 3, sd: null, n: 1 });
    expect(() => meanSd([])).toThrow(RangeError);
  });

  it('one row per source × sparsity × method over its seeds', async () => {
    const rows = aggregateStudy(await runStudy(spec, fakeEnvironment()));
    expect(rows).toHaveLength(8);
    const row = rows.find((r) => r.sourceKey === 'random' && r.sparsity === 0.4 && r.method === 'wanda-sp')!;
    // 200 · 1.4 + seed for seeds 0, 1, 2: mean 281, SD 1; C4 twice that.
    expect(row.seeds).toEqual([0, 1, 2]);
    expect(row.wikitextTestPpl.mean).toBeCloseTo(281, 10);
    expect(row.wikitextTestPpl.sd).toBeCloseTo(1, 10);
    expect(row.c4Ppl.mean).toBeCloseTo(562, 10);
    expect(row.c4Ppl.sd).toBeCloseTo(2, 10);
    expect(row.sourceLabel).toBe('random token ids');
  });

  it('downloads as CSV, a line per row and a line per pruned model', async () => {
    const results = await runStudy(spec, fakeEnvironment());
    const rowsCsv = studyRowsCsv(aggregateStudy(results)).trim().split('\r\n');
    expect(rowsCsv[0]).toBe('source,source_label,sparsity,method,seeds,wikitext2_test_ppl_mean,wikitext2_test_ppl_sd,c4_ppl_mean,c4_ppl_sd');
    expect(rowsCsv).toHaveLength(9);
    expect(rowsCsv[1]).toBe('wikitext2,WikiText-2 valid,0.2,fasp,3,121,1,242,2');
    const cellsCsv = studyCellsCsv(results).trim().split('\r\n');
    expect(cellsCsv).toHaveLength(25);
    expect(cellsCsv[1]).toMatch(/^wikitext2,WikiText-2 valid,0,0\.2,fasp,120,240,0\.1,/);
  });

  it('names a dropped file and a self-generated set by what they are', () => {
    expect(studySource({ kind: 'text', name: 'notes.txt', text: 'x' }).key).toBe('file:notes.txt');
    expect(studySource({ kind: 'selfgen', pool: { kind: 'c4' }, settings: {} as never }).key).toBe('selfgen:c4');
  });
});

describe('the study on the pruning module', () => {
  it('prunes a fresh copy per cell, leaves the dense model as it was, and scores with the given budget', async () => {
    const dense = await openCliModel('embedded');
    const ids = dense.tokenizer.encode(joinDatasetRows(readFileSync(WIKITEXT_TEST_FILE, 'utf8')));
    const evaluation = { wikitextTest: { ids, windows: 2 }, c4: { ids: ids.subarray(10_000), windows: 1 } };
    const before = await scorePerplexities(dense.runtime, evaluation);
    const environment = pruningStudyEnvironment({
      buildSet: (request, progress, cancel) =>
        buildCalibrationSet(request, { runtime: dense.runtime, tokenizer: dense.tokenizer, texts: fileTextReader(path.join(REPO_ROOT, 'public', 'datasets')), progress, cancel }),
      freshRuntime: async () => (await openCliModel('embedded')).runtime,
      kernels: tfPruneKernels(await nodeTf()),
      evaluation,
    });
    const small: StudySpec = { sources: [studySource({ kind: 'wikitext2' })], seeds: [0, 1], sparsities: [0.4], methods: ['fasp'], nsamples: 4, seqlen: 32 };
    const results = await runStudy(small, environment);
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.paramsRemoved).toBeGreaterThan(0.1);
      expect(Number.isFinite(r.wikitextTestPpl) && r.wikitextTestPpl > 1).toBe(true);
      expect(r.wikitextTestPpl).not.toBe(before.wikitext.ppl);
    }
    // Different calibration windows give different pruned models.
    expect(results[0].wikitextTestPpl).not.toBe(results[1].wikitextTestPpl);
    const after = await scorePerplexities(dense.runtime, evaluation);
    expect(after.wikitext.ppl).toBe(before.wikitext.ppl);
    expect(after.wikitext.tokens).toBe(2 * 255);
    expect(dense.runtime.config.ffnDims).toEqual([768, 768, 768, 768]);
    dense.runtime.dispose();
  }, 120_000);
});
