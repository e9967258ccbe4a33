import { Rng } from '../util/random.ts';
import type { ClipSpec, Direction } from './world.ts';

/**
 * The world's caption grammar: from a clip's spec it writes true, varied sentences (synonyms, word order,
 * optional details), lower-case and space-tokenised as the metrics expect.
 *   caption   = [prefix] subject predicate
 *   subject   = det [size] colour noun          (size only when the size does not change)
 *   predicate = the event's verb phrase, e.g. "slides to the left", "turns blue", "bounces off the wall"
 * Some predicates put the colour change or direction first ("changes from red to blue").
 */
const NOUNS = { circle: ['circle', 'ball', 'disc'], square: ['square', 'box', 'block'], triangle: ['triangle'] } as const;
const SIZES = { small: ['small', 'little', 'tiny'], big: ['big', 'large'] } as const;
const DIRECTION_PHRASES: Record<Direction, string[]> = {
  left: ['left', 'to the left', 'leftwards'],
  right: ['right', 'to the right', 'rightwards'],
  up: ['up', 'upwards', 'towards the top'],
  down: ['down', 'downwards', 'towards the bottom'],
};
const PREFIXES = ['', '', 'in the video', 'in this clip'];

function predicates(spec: ClipSpec): string[] {
  const dirs = DIRECTION_PHRASES[spec.direction];
  switch (spec.event) {
    case 'move':
      return ['moves', 'slides', 'goes', 'travels', 'is moving'].flatMap((verb) => dirs.map((d) => `${verb} ${d}`));
    case 'bounce':
      return ['bounces off the wall', 'bounces off the edge', 'hits the wall and comes back', 'rebounds off the wall', 'bounces back'];
    case 'grow':
      return ['grows', 'gets bigger', 'expands', 'is growing', 'becomes larger'];
    case 'shrink':
      return ['shrinks', 'gets smaller', 'is shrinking', 'becomes smaller'];
    case 'recolour':
      return [`turns ${spec.endColour}`, `changes colour to ${spec.endColour}`, `changes from ${spec.colour} to ${spec.endColour}`, `becomes ${spec.endColour}`];
    case 'appear':
      return ['appears', 'comes into view', 'becomes visible', 'appears on the screen'];
    case 'leave':
      return ['leaves the screen', 'goes out of view', ...dirs.map((d) => `moves ${d} out of view`), ...dirs.map((d) => `exits ${d}`)];
  }
}

/** One caption drawn from the grammar. */
export function sampleCaption(spec: ClipSpec, rng: Rng): string {
  const pick = <T>(items: readonly T[]): T => items[rng.int(items.length)];
  const sizeChanges = spec.event === 'grow' || spec.event === 'shrink';
  const words: string[] = [];
  const prefix = pick(PREFIXES);
  if (prefix) words.push(prefix);
  words.push(pick(['a', 'the']));
  if (!sizeChanges && rng.next() < 0.6) words.push(pick(SIZES[spec.size]));
  words.push(spec.colour, pick(NOUNS[spec.shape]), pick(predicates(spec)));
  return words.join(' ');
}

/** `count` different true captions of the clip (fewer only if the grammar has fewer), seeded by the clip. */
export function captionsFor(spec: ClipSpec, count: number, seed: number): string[] {
  const rng = new Rng(seed);
  const out = new Set<string>();
  for (let attempt = 0; attempt < count * 50 && out.size < count; attempt++) out.add(sampleCaption(spec, rng));
  return [...out];
}

/** Every caption the grammar can write for the clip. */
export function allCaptions(spec: ClipSpec): string[] {
  const sizes = spec.event === 'grow' || spec.event === 'shrink' ? [''] : ['', ...SIZES[spec.size]];
  const out: string[] = [];
  for (const prefix of new Set(PREFIXES))
    for (const det of ['a', 'the'])
      for (const size of sizes)
        for (const noun of NOUNS[spec.shape]) for (const predicate of predicates(spec)) out.push([prefix, det, size, spec.colour, noun, predicate].filter(Boolean).join(' '));
  return out;
}

/**
 * Words a caption is about (the lexical constraints of pseudo-labelling and the keyword refiner's targets):
 * every token that is not a function word of the grammar.
 */
export const FUNCTION_WORDS = new Set(['a', 'the', 'in', 'this', 'video', 'clip', 'to', 'of', 'off', 'and', 'is', 'on', 'into', 'out', 'from', 'towards', 'back', 'comes', 'goes', 'view', 'screen', 'colour']);

export function keywordsOf(caption: string): string[] {
  return caption.split(/\s+/).filter((w) => w.length > 0 && !FUNCTION_WORDS.has(w));
}
