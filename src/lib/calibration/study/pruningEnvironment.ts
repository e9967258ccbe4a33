import type { CancelFlag } from '../../cancel.ts';
import { perplexity } from '../../opt/perplexity.ts';
import type { OptRuntime } from '../../opt/runtime.ts';
import type { Progress, ProgressCallback } from '../../progress.ts';
import { pruneOptModel, type PruneModelOptions } from '../../pruning/pruneModel.ts';
import type { StudyEnvironment } from './runStudy.ts';

/**
 * The study's environment on top of the pruning module (issue #4's `pruneOptModel`): the CLI script
 * and the page's worker differ only in where the model, the texts and the kernels come from.
 */
export interface EvaluationTexts {
  /** WikiText-2 test ids and how many windows of the model's length to score (0: all). */
  wikitextTest: { ids: Int32Array; windows: number };
  /** C4-sample ids and windows. */
  c4: { ids: Int32Array; windows: number };
}

export interface PruningEnvironmentParts<H> {
  /** Builds calibration sets with the dense model (which pruning never touches). */
  buildSet: StudyEnvironment['buildSet'];
  /** A dense copy of the model to prune: pruning changes a runtime's layers in place. */
  freshRuntime(): Promise<OptRuntime<H>>;
  kernels: PruneModelOptions['kernels'];
  evaluation: EvaluationTexts;
}

/** Share of a cell's progress bar given to pruning; the rest is the two perplexities. */
const PRUNE_SHARE = 0.6;

export async function scorePerplexities<H>(runtime: OptRuntime<H>, evaluation: EvaluationTexts, progress: ProgressCallback = () => {}, cancel?: CancelFlag) {
  const seqLen = runtime.config.maxPositions;
  const part = (offset: number) => (p: Progress) => progress({ phase: 'perplexity', done: offset + (p.total > 0 ? p.done / p.total : 0) / 2, total: 1 });
  const wikitext = await perplexity(runtime, evaluation.wikitextTest.ids, { seqLen, maxWindows: evaluation.wikitextTest.windows || undefined, windowsPerBatch: 8, cancel, onProgress: part(0) });
  const c4 = await perplexity(runtime, evaluation.c4.ids, { seqLen, maxWindows: evaluation.c4.windows || undefined, windowsPerBatch: 8, cancel, onProgress: part(0.5) });
  return { wikitext, c4 };
}

export function pruningStudyEnvironment<H>(parts: PruningEnvironmentParts<H>): StudyEnvironment {
  return {
    buildSet: parts.buildSet,
    async pruneAndScore(job, progress, cancel) {
      const runtime = await parts.freshRuntime();
      try {
        const result = await pruneOptModel(
          runtime,
          { windows: job.windows, seqLen: job.seqlen, label: job.label },
          { method: job.method, sparsity: job.sparsity, kernels: parts.kernels },
          (p) => progress({ phase: `pruning: ${p.phase}`, done: PRUNE_SHARE * (p.total > 0 ? p.done / p.total : 0), total: 1 }),
          cancel,
        );
        const { wikitext, c4 } = await scorePerplexities(runtime, parts.evaluation, (p) => progress({ phase: p.phase, done: PRUNE_SHARE + (1 - PRUNE_SHARE) * p.done, total: 1 }), cancel);
        return { wikitextTestPpl: wikitext.ppl, c4Ppl: c4.ppl, paramsRemoved: result.params.reduction.total };
      } finally {
        runtime.dispose();
      }
    },
  };
}
