/**
 * What the metrics on the pages mean, and which way is better: one text per term, used for column
 * tooltips and the "Terms" panels, so every page explains a metric the same way.
 */
export interface GlossaryEntry {
  term: string;
  meaning: string;
  better?: 'lower' | 'higher';
}

export const GLOSSARY = {
  perplexity: { term: 'perplexity (ppl)', meaning: 'exp of the mean negative log-likelihood per predicted token on held-out text; how many tokens the model hesitates between', better: 'lower' },
  nsamples: { term: 'nsamples', meaning: 'the number of calibration windows (token sequences) whose activations the pruning statistics are computed from', },
  sparsity: { term: 'sparsity s', meaning: 'the share of FFN and attention value channels removed from each layer' },
  vaf: { term: 'VAF', meaning: 'variance accounted for: 1 − ‖X − WH‖² / ‖X‖², how much of the EMG the synergies reconstruct', better: 'higher' },
  ece: { term: 'ECE', meaning: 'expected calibration error: the gap between predicted confidence and accuracy, averaged over 15 confidence bins weighted by their image counts', better: 'lower' },
  kl: { term: 'KL', meaning: 'Kullback–Leibler divergence from the true soft label to the predicted distribution, on ambiguous (mixed) images', better: 'lower' },
  accuracy: { term: 'accuracy', meaning: 'share of clean test images whose predicted class is the true one', better: 'higher' },
  eta: { term: 'η', meaning: 'an active IRS’s amplification factor: the power gain its amplifiers apply to the reflected signal (below 1 it cannot amplify, so the amplifiers are off)' },
  snr: { term: 'SNR', meaning: 'signal-to-noise ratio at the user, in dB', better: 'higher' },
  coverage: { term: 'coverage', meaning: 'share of the map’s outdoor cells whose SNR reaches the threshold', better: 'higher' },
} as const satisfies Record<string, GlossaryEntry>;

export type GlossaryKey = keyof typeof GLOSSARY;

/** A tooltip text: the meaning, then "lower is better" or "higher is better" when there is a better way. */
export function glossaryTitle(key: GlossaryKey): string {
  const entry: GlossaryEntry = GLOSSARY[key];
  return entry.better ? `${entry.meaning} — ${entry.better} is better` : entry.meaning;
}
