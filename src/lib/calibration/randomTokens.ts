import { InputError } from '../errors.ts';
import type { Rng } from '../util/random.ts';

/**
 * Windows of token ids drawn uniformly from the vocabulary, special ids (`<s>`, `<pad>`, `</s>`,
 * `<unk>`) excluded: calibration with no language in it at all, the floor of a calibration study.
 * `vocabSize` is the number of ids the tokenizer knows (OPT's embedding has a few padding rows more).
 */
export function randomTokenWindows(shape: { nsamples: number; seqlen: number }, vocab: { vocabSize: number; specialIds: readonly number[] }, rng: Rng): Int32Array[] {
  const special = new Set(vocab.specialIds);
  const allowed = Int32Array.from({ length: vocab.vocabSize }, (_, id) => id).filter((id) => !special.has(id));
  if (allowed.length === 0) throw new InputError('The vocabulary has no ordinary tokens to draw from');
  return Array.from({ length: shape.nsamples }, () => Int32Array.from({ length: shape.seqlen }, () => allowed[rng.int(allowed.length)]));
}
