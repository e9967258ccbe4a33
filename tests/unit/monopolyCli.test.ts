import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/monopoly.ts';
import { buildCityGraph, plantPrices, syntheticCity } from '../../src/lib/monopoly/index.ts';
import { toCsv } from '../../src/lib/util/csv.ts';

function writeCity(dir: string) {
  const city = syntheticCity({ houses: 400, facilities: 4, attributes: 2, sizeM: 4000, seed: 21 });
  plantPrices(city, buildCityGraph(city.houses, city.facilities), { gamma: 0.3, noiseSd: 0.05, seed: 22 });
  const { houses, facilities } = city;
  writeFileSync(join(dir, 'houses.csv'), toCsv(['id', 'lat', 'lon', 'price', 'x0', 'x1'], houses.ids.map((id, i) => [id, houses.lat[i], houses.lon[i], houses.price[i], houses.attributes[2 * i], houses.attributes[2 * i + 1]])));
  writeFileSync(join(dir, 'facilities.csv'), toCsv(['id', 'lat', 'lon', 'kind'], facilities.ids.map((id, j) => [id, facilities.lat[j], facilities.lon[j], facilities.kind[j]])));
  writeFileSync(join(dir, 'split.json'), JSON.stringify({ train: houses.ids.slice(0, 300), test: houses.ids.slice(300) }));
  return city;
}

describe('cli monopoly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'monopoly-'));
  const city = writeCity(dir);
  const base = ['--houses', join(dir, 'houses.csv'), '--facilities', join(dir, 'facilities.csv'), '--split-file', join(dir, 'split.json'), '--quiet'];
  it('prints metrics for every method, facility prices, iterations and seconds', async () => {
    const result = await run(base);
    expect(Object.keys(result.metrics).sort()).toEqual(['knn', 'monopoly', 'monopoly-facilities-only', 'monopoly-neighbours-only', 'ols', 'ols+distance']);
    expect(result.testHouses).toBe(100);
    expect(result.trainHouses).toBe(300);
    expect(result.facilities.map((f) => f.id)).toEqual(city.facilities.ids);
    expect(result.iterations).toBeGreaterThan(0);
    expect(result.seconds).toBeGreaterThan(0);
  });
  it('gives the same facility prices with 2 worker_threads as in one thread', async () => {
    const one = await run([...base, '--ablations=false']);
    const two = await run([...base, '--ablations=false', '--workers', '2']);
    one.facilities.forEach((f, j) => expect(two.facilities[j].theta).toBeCloseTo(f.theta, 8));
  });
  it('rejects a split file naming an unknown house', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ train: ['nope'], test: [] }));
    await expect(run([...base.slice(0, 4), '--split-file', join(dir, 'bad.json')])).rejects.toThrow(/"nope" is not in the houses CSV/);
  });
});
