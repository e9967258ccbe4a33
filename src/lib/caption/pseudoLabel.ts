import { Rng } from '../util/random.ts';
import type { EditClassifier } from './classifier.ts';
import { ACTIONS, DELETE, INSERT, REPLACE, allowed, applyEdit } from './edits.ts';
import { penaliseRepetition, sampleTopK, sentenceLogProb, slotScores, topKProb, type TrigramLm } from './ngramLm.ts';
import type { Vocabulary } from './vocab.ts';

/**
 * Lexically constrained pseudo-labelling, as the paper's code does it (He & Li's classifier-guided MCMC):
 * the chain starts from the caption's keywords, which stay (never replaced or deleted). Each step
 *   1. the edit classifier's probabilities (copy masked out, forbidden pairs zeroed) give an action
 *      prior p(a) ∝ Σ_i P(a | i) and a position i ~ P(a | i) — or both uniformly ('random' ablation);
 *   2. replace / insert draw the word from the LM's slot distribution, repetition-penalised (θ, CTRL
 *      style, ngramLm.ts) and cut to the top k; delete needs no word;
 *   3. Metropolis–Hastings on the LM's sentence probability π: replace is a Gibbs move (always taken),
 *      insert is kept with min(1, π(x′)/(π(x) g(w))), delete with min(1, π(x′) g(w)/π(x)), g the proposal.
 * The sentences the chain visits after burn-in are the candidates; the video–text model scores each
 * against its clip and the top-k (other than the given caption) become pseudo-labels.
 */
export interface PseudoLabelConfig {
  steps: number;
  burnIn: number;
  /** Repetition penalty θ (1 = none). */
  theta: number;
  topK: number;
  maxLength: number;
  /** Pseudo-labels kept per clip. */
  keep: number;
  actionSource: 'classifier' | 'random';
  seed: number;
}

export const PSEUDO_DEFAULTS: PseudoLabelConfig = { steps: 40, burnIn: 8, theta: 1.6, topK: 8, maxLength: 14, keep: 3, actionSource: 'classifier', seed: 0 };

export interface EditStep {
  action: (typeof ACTIONS)[number];
  position: number;
  word?: string;
  accepted: boolean;
  sentence: string;
}

export interface ChainResult {
  start: string;
  steps: EditStep[];
  candidates: string[];
}

export interface EditContext {
  lm: TrigramLm;
  vocab: Vocabulary;
  classifier?: EditClassifier;
  isKeyword: (id: number) => boolean;
}

/** One chain from a caption's keywords. */
export function editChain(caption: string, context: EditContext, config: PseudoLabelConfig, rng: Rng): ChainResult {
  const { lm, vocab, classifier } = context;
  const all = vocab.encode(caption);
  let ids = all.filter((id) => context.isKeyword(id));
  let keywords = ids.map(() => true);
  if (ids.length === 0) {
    ids = all;
    keywords = ids.map(() => false);
  }
  const start = vocab.decode(ids);
  let logProb = sentenceLogProb(lm, ids);
  const steps: EditStep[] = [];
  const candidates = new Set<string>();
  for (let step = 0; step < config.steps; step++) {
    const choice = chooseAction(ids, keywords, config, rng, config.actionSource === 'classifier' ? classifier : undefined);
    if (!choice) break;
    const { action, position } = choice;
    let accept: number;
    let word: number | undefined;
    if (action === REPLACE) {
      const scores = penaliseRepetition(slotScores(lm, ids, position), ids.filter((_, i) => i !== position), config.theta);
      word = sampleTopK(scores, config.topK, () => rng.next()).id;
      accept = 1; // a Gibbs move from the LM's slot distribution
    } else if (action === INSERT) {
      const slotted = [...ids.slice(0, position), 0, ...ids.slice(position)];
      const scores = penaliseRepetition(slotScores(lm, slotted, position), ids, config.theta);
      const drawn = sampleTopK(scores, config.topK, () => rng.next());
      word = drawn.id;
      const proposal = applyEdit(ids, keywords, INSERT, position, word).ids;
      accept = Math.min(1, Math.exp(sentenceLogProb(lm, proposal) - logProb) / drawn.prob);
    } else {
      const proposal = applyEdit(ids, keywords, DELETE, position, 0).ids;
      const scores = penaliseRepetition(slotScores(lm, ids, position), proposal, config.theta);
      const back = topKProb(scores, config.topK, ids[position]);
      accept = Math.min(1, Math.exp(sentenceLogProb(lm, proposal) - logProb) * back);
    }
    const accepted = rng.next() < accept;
    if (accepted) {
      const next = applyEdit(ids, keywords, action, position, word ?? 0);
      ids = next.ids;
      keywords = next.keywords;
      logProb = sentenceLogProb(lm, ids);
    }
    const sentence = vocab.decode(ids);
    steps.push({ action: ACTIONS[action], position, word: word === undefined ? undefined : vocab.words[word], accepted, sentence });
    if (step >= config.burnIn) candidates.add(sentence);
  }
  return { start, steps, candidates: [...candidates] };
}

function chooseAction(ids: readonly number[], keywords: readonly boolean[], config: PseudoLabelConfig, rng: Rng, classifier?: EditClassifier): { action: number; position: number } | null {
  const positions = ids.length + 1;
  const weight: number[][] = Array.from({ length: positions }, () => [0, 0, 0, 0]);
  const probs = classifier?.predict(ids);
  for (let i = 0; i < positions; i++)
    for (const a of [REPLACE, INSERT, DELETE]) if (allowed(a, i, keywords, config.maxLength)) weight[i][a] = probs ? probs[i][a] : 1;
  const prior = [REPLACE, INSERT, DELETE].map((a) => weight.reduce((s, row) => s + row[a], 0));
  const total = prior.reduce((s, x) => s + x, 0);
  if (!(total > 0)) return null;
  let r = rng.next() * total;
  let action = REPLACE;
  for (const [j, a] of [REPLACE, INSERT, DELETE].entries()) {
    action = a;
    r -= prior[j];
    if (r <= 0) break;
  }
  const column = weight.map((row) => row[action]);
  const sum = column.reduce((s, x) => s + x, 0);
  let q = rng.next() * sum;
  for (let i = 0; i < positions; i++) {
    q -= column[i];
    if (q <= 0 && column[i] > 0) return { action, position: i };
  }
  return { action, position: column.findLastIndex((x) => x > 0) };
}

export interface PseudoLabels {
  /** Pseudo-labels per training clip (best relevance first). */
  labels: Map<string, string[]>;
  /** Chains of the first few clips, for the page. */
  chains: Map<string, ChainResult>;
  /** Share of words in a pseudo-label that repeat an earlier word of it (the repetition the penalty fights). */
  repeatRate: number;
  candidatesPerClip: number;
}

export function pseudoLabel(
  clips: { id: string; caption: string }[],
  context: EditContext,
  relevance: (clipId: string, sentence: string) => number,
  config: PseudoLabelConfig,
  keepChains = 6,
  onClip?: (done: number) => void,
): PseudoLabels {
  const rng = new Rng(config.seed * 101 + 9);
  const labels = new Map<string, string[]>();
  const chains = new Map<string, ChainResult>();
  let words = 0;
  let repeats = 0;
  let candidates = 0;
  clips.forEach(({ id, caption }, i) => {
    const chain = editChain(caption, context, config, rng);
    if (i < keepChains) chains.set(id, chain);
    const pool = chain.candidates.filter((s) => s !== caption && s.length > 0);
    candidates += pool.length;
    const ranked = pool.map((s) => ({ s, score: relevance(id, s) })).sort((a, b) => b.score - a.score);
    const kept = ranked.slice(0, config.keep).map((r) => r.s);
    labels.set(id, kept);
    for (const s of kept) {
      const seen = new Set<string>();
      for (const w of s.split(' ')) {
        words++;
        if (seen.has(w)) repeats++;
        seen.add(w);
      }
    }
    onClip?.(i + 1);
  });
  return { labels, chains, repeatRate: words ? repeats / words : 0, candidatesPerClip: clips.length ? candidates / clips.length : 0 };
}
