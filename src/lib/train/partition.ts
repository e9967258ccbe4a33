import { Rng } from '../util/random.ts';
import { sampleDirichlet } from './gamma.ts';

/**
 * Data of federated clients: which items each client holds. IID deals shuffled items evenly;
 * Dirichlet(α) gives each class's items to clients in proportions drawn from Dir(α·1) — small α,
 * strong label skew (Hsu et al. 2019). Every item goes to exactly one client.
 */
export function partitionIid(indices: ArrayLike<number>, clients: number, seed: number): Int32Array[] {
  checkClients(clients);
  const shuffled = new Rng(seed).shuffle(Array.from(indices));
  const parts = Array.from({ length: clients }, () => [] as number[]);
  shuffled.forEach((item, i) => parts[i % clients].push(item));
  return parts.map((part) => Int32Array.from(part));
}

export interface DirichletPartitionOptions {
  clients: number;
  /** Concentration α > 0: ∞ → IID, 0.1 → most clients see one or two classes. */
  alpha: number;
  seed: number;
}

export function partitionDirichlet(indices: ArrayLike<number>, labels: ArrayLike<number>, options: DirichletPartitionOptions): Int32Array[] {
  const { clients, alpha, seed } = options;
  checkClients(clients);
  if (!(alpha > 0)) throw new RangeError(`partitionDirichlet: alpha must be > 0, got ${alpha}`);
  const rng = new Rng(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < indices.length; i++) {
    const item = indices[i];
    const label = labels[item];
    const group = byClass.get(label);
    if (group) group.push(item);
    else byClass.set(label, [item]);
  }
  const parts = Array.from({ length: clients }, () => [] as number[]);
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const items = rng.shuffle(byClass.get(label)!);
    const shares = sampleDirichlet(rng, new Array<number>(clients).fill(alpha));
    let cumulative = 0;
    let start = 0;
    shares.forEach((share, client) => {
      cumulative += share;
      const end = client === clients - 1 ? items.length : Math.round(cumulative * items.length);
      for (let i = start; i < end; i++) parts[client].push(items[i]);
      start = Math.max(start, end);
    });
  }
  return parts.map((part) => Int32Array.from(rng.shuffle(part)));
}

function checkClients(clients: number): void {
  if (!(Number.isInteger(clients) && clients >= 1)) throw new RangeError(`partition: clients must be a whole number ≥ 1, got ${clients}`);
}
