import { Rng } from '../util/random.ts';
import { sampleBeta } from '../train/gamma.ts';
import { pixelsPerImage, type ImageSet } from '../train/imageSet.ts';

/**
 * The ambiguous-data generator of Quantized Label Learning (Xie et al. 2025, arXiv:2501.01844,
 * "mixing-based ambiguous data generation"). A chosen fraction of the images are made ambiguous: an
 * image x_a of class a is mixed with an image x_b of another class b,
 *
 *   x̃ = λ·x_a + (1−λ)·x_b,   true soft label s = λ·e_a + (1−λ)·e_b,
 *
 * and the only label a learner sees is the *quantized* label: one draw from s (a with probability
 * λ, else b). The other images keep their clean label (s = e_a).
 */
export type LambdaDistribution =
  | { kind: 'uniform'; lo: number; hi: number }
  | { kind: 'beta'; alpha: number; beta: number }
  | { kind: 'fixed'; value: number };

export const DEFAULT_LAMBDA: LambdaDistribution = { kind: 'uniform', lo: 0.3, hi: 0.7 };

export interface MixOptions {
  /** Share of the images to make ambiguous, in [0, 1]. */
  fraction: number;
  lambda: LambdaDistribution;
  seed: number;
}

export interface AmbiguousSet extends ImageSet {
  /** [count, classes] true soft labels (one-hot for images left clean). */
  softLabels: Float32Array;
  /** [count] the observed label: one draw from the soft label. */
  quantizedLabels: Uint8Array;
  /** [count] λ, the weight of the image's own class a (1 for clean images). */
  lambdas: Float32Array;
  /** [count] class b of the second image, −1 for clean images. `labels` keeps class a. */
  partnerClasses: Int8Array;
  /** [count] index (in the source set) of the second image, −1 for clean images. */
  partnerIndices: Int32Array;
  mixedCount: number;
}

export function sampleLambda(rng: Rng, distribution: LambdaDistribution): number {
  switch (distribution.kind) {
    case 'uniform':
      return rng.uniform(distribution.lo, distribution.hi);
    case 'beta':
      return sampleBeta(rng, distribution.alpha, distribution.beta);
    case 'fixed':
      return distribution.value;
  }
}

export function checkLambda(distribution: LambdaDistribution): void {
  const inUnit = (value: number) => value >= 0 && value <= 1;
  if (distribution.kind === 'uniform' && !(inUnit(distribution.lo) && inUnit(distribution.hi) && distribution.lo <= distribution.hi)) {
    throw new RangeError(`λ ~ Uniform(lo, hi) needs 0 ≤ lo ≤ hi ≤ 1, got (${distribution.lo}, ${distribution.hi})`);
  }
  if (distribution.kind === 'beta' && !(distribution.alpha > 0 && distribution.beta > 0)) {
    throw new RangeError(`λ ~ Beta(α, β) needs α, β > 0, got (${distribution.alpha}, ${distribution.beta})`);
  }
  if (distribution.kind === 'fixed' && !inUnit(distribution.value)) throw new RangeError(`a fixed λ must be in [0, 1], got ${distribution.value}`);
}

export function describeLambda(distribution: LambdaDistribution): string {
  switch (distribution.kind) {
    case 'uniform':
      return `U(${distribution.lo}, ${distribution.hi})`;
    case 'beta':
      return `Beta(${distribution.alpha}, ${distribution.beta})`;
    case 'fixed':
      return `${distribution.value}`;
  }
}

/** Makes `fraction` of `set` ambiguous; partners are drawn from the same set. */
export function mixAmbiguous(set: ImageSet, options: MixOptions): AmbiguousSet {
  const { fraction, lambda, seed } = options;
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`mix fraction must be in [0, 1], got ${fraction}`);
  checkLambda(lambda);
  const { count, classes } = set;
  const size = pixelsPerImage(set);
  const rng = new Rng(seed);
  const byClass = Array.from({ length: classes }, () => [] as number[]);
  for (let i = 0; i < count; i++) byClass[set.labels[i]].push(i);
  const presentClasses = byClass.flatMap((members, label) => (members.length ? [label] : []));

  const pixels = set.pixels.slice();
  const softLabels = new Float32Array(count * classes);
  const quantizedLabels = set.labels.slice();
  const lambdas = new Float32Array(count).fill(1);
  const partnerClasses = new Int8Array(count).fill(-1);
  const partnerIndices = new Int32Array(count).fill(-1);
  for (let i = 0; i < count; i++) softLabels[i * classes + set.labels[i]] = 1;

  const mixedCount = presentClasses.length < 2 ? 0 : Math.round(fraction * count);
  const chosen = rng.shuffle(Array.from({ length: count }, (_, i) => i)).slice(0, mixedCount);
  for (const i of chosen) {
    const classA = set.labels[i];
    const otherClasses = presentClasses.filter((label) => label !== classA);
    const classB = otherClasses[rng.int(otherClasses.length)];
    const partner = byClass[classB][rng.int(byClass[classB].length)];
    const weight = sampleLambda(rng, lambda);
    for (let p = 0; p < size; p++) {
      pixels[i * size + p] = weight * set.pixels[i * size + p] + (1 - weight) * set.pixels[partner * size + p];
    }
    softLabels[i * classes + classA] = weight;
    softLabels[i * classes + classB] = 1 - weight;
    quantizedLabels[i] = rng.next() < weight ? classA : classB;
    lambdas[i] = weight;
    partnerClasses[i] = classB;
    partnerIndices[i] = partner;
  }
  return { ...set, pixels, softLabels, quantizedLabels, lambdas, partnerClasses, partnerIndices, mixedCount };
}

/** Indices of the first `limit` ambiguous images, for the examples grid. */
export function ambiguousExamples(set: AmbiguousSet, limit: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < set.count && found.length < limit; i++) if (set.partnerClasses[i] >= 0) found.push(i);
  return found;
}
