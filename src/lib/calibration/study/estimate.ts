/**
 * How long a calibration study will take, before it starts: every cell prunes with `nsamples × seqlen`
 * calibration tokens and scores `wikitextTestWindows + c4Windows` windows of 256 tokens; each seed of a
 * self-generated source first generates `nPrompts × genLength` tokens.
 *
 *   seconds ≈ cells · (calibrationTokens + evalTokens) · perToken + selfgenSeeds · generatedTokens · perGeneratedToken
 *
 * The two rates come from the run the issue reported on the project's 2-core machine (CPU path): the
 * old default (80 cells of 32×128 calibration and 24×256 scored tokens) took ~15 min, 156 s of it
 * generating 5 seeds × 64 × 256 tokens. A faster machine takes less; the progress bar's ETA replaces the
 * estimate once the study runs.
 */
export const STUDY_RATES = {
  secondsPerToken: (900 - 156) / (80 * (32 * 128 + 24 * 256)),
  secondsPerGeneratedToken: 156 / (5 * 64 * 256),
} as const;

/** Scored windows are this long (the study's evaluation windows). */
export const EVAL_WINDOW_TOKENS = 256;

export interface StudySize {
  sources: number;
  /** Of the sources, how many are self-generated (each seed generates its own samples). */
  selfgenSources: number;
  seeds: number;
  sparsities: number;
  methods: number;
  nsamples: number;
  seqlen: number;
  wikitextTestWindows: number;
  c4Windows: number;
  selfgen: { nPrompts: number; genLength: number };
}

export function estimateStudySeconds(size: StudySize, rates: { secondsPerToken: number; secondsPerGeneratedToken: number } = STUDY_RATES): number {
  for (const [key, value] of Object.entries(size)) {
    if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) throw new RangeError(`estimateStudySeconds: ${key} must be a number ≥ 0, got ${value}`);
  }
  const cells = size.sources * size.seeds * size.sparsities * size.methods;
  const tokensPerCell = size.nsamples * size.seqlen + (size.wikitextTestWindows + size.c4Windows) * EVAL_WINDOW_TOKENS;
  const generated = size.selfgenSources * size.seeds * size.selfgen.nPrompts * size.selfgen.genLength;
  return cells * tokensPerCell * rates.secondsPerToken + generated * rates.secondsPerGeneratedToken;
}
