import { Rng } from '../util/random.ts';

/**
 * Seeded splits of a data set into named parts (train/validation/test, victim/auxiliary, …).
 * With `labels`, the split is stratified: each class is cut in the same proportions, so a small
 * validation part still has every digit.
 */
export interface SplitOptions {
  seed: number;
  /** Class of each item; when given, every class is split in the same proportions. */
  labels?: ArrayLike<number>;
}

export function splitIndices<Name extends string>(count: number, fractions: Record<Name, number>, options: SplitOptions): Record<Name, Int32Array> {
  const parts = Object.entries(fractions) as [Name, number][];
  checkFractions(parts);
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`splitIndices: count must be a whole number ≥ 0, got ${count}`);
  if (options.labels && options.labels.length !== count) throw new RangeError(`splitIndices: ${options.labels.length} labels for ${count} items`);
  const rng = new Rng(options.seed);
  const groups = options.labels ? groupByLabel(options.labels) : [Array.from({ length: count }, (_, i) => i)];
  const chosen = parts.map(() => [] as number[]);
  for (const group of groups) {
    rng.shuffle(group);
    let cumulative = 0;
    let start = 0;
    parts.forEach(([, fraction], p) => {
      cumulative += fraction;
      const end = Math.min(group.length, Math.round(cumulative * group.length));
      for (let i = start; i < end; i++) chosen[p].push(group[i]);
      start = end;
    });
  }
  const result = {} as Record<Name, Int32Array>;
  parts.forEach(([name], p) => (result[name] = Int32Array.from(rng.shuffle(chosen[p]))));
  return result;
}

function checkFractions(parts: [string, number][]): void {
  if (parts.length === 0) throw new RangeError('splitIndices needs at least one part');
  let total = 0;
  for (const [name, fraction] of parts) {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`splitIndices: fraction of "${name}" must be in [0, 1], got ${fraction}`);
    total += fraction;
  }
  // Fractions may sum to less than 1 (the rest is left out), never to more.
  if (total > 1 + 1e-9) throw new RangeError(`splitIndices: fractions sum to ${total}, more than 1`);
}

function groupByLabel(labels: ArrayLike<number>): number[][] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const group = groups.get(labels[i]);
    if (group) group.push(i);
    else groups.set(labels[i], [i]);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}
