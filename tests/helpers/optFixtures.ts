import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseOptConfig, type OptConfig } from '../../src/lib/opt/config.ts';
import { parseSafetensors } from '../../src/lib/opt/safetensors.ts';
import { loadOptWeights, type OptWeights } from '../../src/lib/opt/weights.ts';

/** The golden OPT fixture and a comparison in its tolerance. */
/** A copy of ../shared/fixtures/opt-golden (its README says how it was made), so browser tests can load it too. */
export const GOLDEN_DIR = path.resolve(import.meta.dirname, '../fixtures/opt-golden');

export interface GoldenCase {
  input_ids: number[];
  logits: number[][];
  nll: number[];
  mean_nll: number | null;
}

export async function loadGolden(): Promise<{ config: OptConfig; weights: OptWeights; cases: GoldenCase[] }> {
  const config = parseOptConfig(JSON.parse(readFileSync(path.join(GOLDEN_DIR, 'config.json'), 'utf8')));
  const file = parseSafetensors(readFileSync(path.join(GOLDEN_DIR, 'model.safetensors')));
  const weights = await loadOptWeights(config, [file]);
  const { cases } = JSON.parse(readFileSync(path.join(GOLDEN_DIR, 'expected.json'), 'utf8')) as { cases: GoldenCase[] };
  return { config, weights, cases };
}

/** Largest |got − want| / (1 + |want|): the fixture's criterion is ≤ 1e-4. */
export function goldenError(got: ArrayLike<number>, want: readonly number[]): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} ≠ ${want.length}`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (!(error <= worst)) worst = Number.isNaN(error) ? Infinity : error;
  }
  return worst;
}
