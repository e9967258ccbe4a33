import { estimateStudySeconds } from '../../lib/calibration/study/estimate.ts';
import type { SelfGenSettings } from '../../lib/calibration/settings.ts';
import type { StudyForm } from './calibrationPage.svelte.ts';

/**
 * The study's two presets. Quick (the default): the comparison the study is about — WikiText-2 windows
 * against self-generated text — with both methods, 2 seeds, one sparsity and smaller budgets (≈ 1.5 min
 * on a 2-core machine). Paper protocol: every source, 5 seeds, two sparsities (≈ 15 min there).
 */
export const STUDY_QUICK: StudyForm = { sources: ['wikitext2', 'selfgen'], seeds: 2, sparsities: '0.4', methods: ['fasp', 'wanda-sp'], nsamples: 16, seqlen: 128, wikitextTestWindows: 8, c4Windows: 4 };
export const STUDY_PAPER: StudyForm = { sources: ['wikitext2', 'c4', 'random', 'selfgen'], seeds: 5, sparsities: '0.2, 0.4', methods: ['fasp', 'wanda-sp'], nsamples: 32, seqlen: 128, wikitextTestWindows: 16, c4Windows: 8 };

export const copyForm = (form: StudyForm): StudyForm => ({ ...form, sources: [...form.sources], methods: [...form.methods] });

/** The form's estimated duration in seconds (NaN when the sparsity list does not parse). */
export function studyFormSeconds(form: StudyForm, selfgen: SelfGenSettings): number {
  const sparsities = form.sparsities.split(',').map((s) => s.trim()).filter(Boolean);
  if (sparsities.some((s) => !Number.isFinite(Number(s)))) return NaN;
  try {
    return estimateStudySeconds({
      sources: form.sources.length,
      selfgenSources: form.sources.filter((s) => s === 'selfgen').length,
      seeds: form.seeds,
      sparsities: sparsities.length,
      methods: form.methods.length,
      nsamples: form.nsamples,
      seqlen: form.seqlen,
      wikitextTestWindows: form.wikitextTestWindows,
      c4Windows: form.c4Windows,
      selfgen: { nPrompts: selfgen.nPrompts, genLength: selfgen.genLength },
    });
  } catch {
    return NaN;
  }
}
