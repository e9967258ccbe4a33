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
  const order = options.labels ? stratifiedOrder(options.labels, rng) : rng.shuffle(Array.from({ length: count }, (_, i) => i));
  const result = {} as Record<Name, Int32Array>;
  let cumulative = 0;
  let start = 0;
  for (const [name, fraction] of parts) {
    cumulative += fraction;
    const end = Math.min(count, Math.round(cumulative * count));
    result[name] = Int32Array.from(rng.shuffle(order.slice(start, end)));
    start = end;
  }
  return result;
}

/**
 * All items in an order where every class is spread evenly: the r-th of a class's n_c shuffled
 * items sits at (r + u)/n_c with u ~ U[0, 1). Any prefix of that order then holds each class in
 * proportion (±1 item), and cutting it at exact positions gives parts of exact sizes.
 */
function stratifiedOrder(labels: ArrayLike<number>, rng: Rng): number[] {
  const keyed: { item: number; key: number }[] = [];
  for (const group of groupByLabel(labels)) {
    rng.shuffle(group);
    group.forEach((item, rank) => keyed.push({ item, key: (rank + rng.next()) / group.length }));
  }
  return keyed.sort((a, b) => a.key - b.key).map(({ item }) => item);
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
