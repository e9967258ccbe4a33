import type { NamedTensor } from '../train/namedTensor.ts';

/**
 * Trained weights by the settings that made them, so that a sweep, a page re-run or the study
 * script trains each federation stage once. Keys are JSON of everything that changes the weights.
 */
export interface WeightCache {
  get(key: string): Promise<NamedTensor[] | undefined>;
  set(key: string, weights: readonly NamedTensor[]): Promise<void>;
}

/** Keeps the weights in memory, most recent `capacity` stages. */
export class MemoryWeightCache implements WeightCache {
  private readonly entries = new Map<string, NamedTensor[]>();

  constructor(private readonly capacity = 16) {}

  async get(key: string): Promise<NamedTensor[] | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, weights: readonly NamedTensor[]): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, weights.slice());
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}
