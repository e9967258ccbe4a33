import { describe, expect, it } from 'vitest';
import type { NmfRun, NmfSettings } from '../../src/lib/synergy/nmf.ts';
import { nmfCpu } from '../../src/lib/synergy/nmfCpu.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { nmfGpu } from '../../src/kernels/synergy/nmf.ts';
import { maxRelativeError } from '../helpers/compare.ts';
import { testGpu } from './gpu.ts';

// The WGSL kernels nmfUpdateH and nmfUpdateW against their CPU twin (nmfCpu: the WebAssembly SIMD kernel), started
// from identical factors. Fresh data every run; the seed is printed so a failure can be replayed.
const seed = (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
console.info(`[synergy-nmf] seed ${seed}`);
const rng = new Rng(seed);

/** Non-negative data of rank ~3 plus noise, like envelopes. */
function data(m: number, n: number): Float32Array {
  const e = new Float32Array(m * n);
  const w = Array.from({ length: 3 }, () => Array.from({ length: m }, () => rng.next()));
  const h = Array.from({ length: 3 }, () => Array.from({ length: n }, () => rng.next()));
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) e[i * n + j] = w[0][i] * h[0][j] + w[1][i] * h[1][j] + w[2][i] * h[2][j] + 0.1 * rng.next();
  return e;
}

function compareRuns(gpuRun: NmfRun, cpuRun: NmfRun, tolerance: number): void {
  expect(gpuRun.backend).toBe('webgpu');
  gpuRun.vafByRestart.forEach((vafs, k) => expect(maxRelativeError(vafs, cpuRun.vafByRestart[k])).toBeLessThanOrEqual(tolerance));
  gpuRun.best.forEach((fit, index) => {
    const twin = cpuRun.best[index];
    // Restarts that reach the same optimum tie in VAF to float rounding; then either may win.
    if (fit.restart !== twin.restart) expect(Math.abs(fit.vaf - twin.vaf)).toBeLessThanOrEqual(1e-6);
    else expect(maxRelativeError([fit.vaf], [twin.vaf])).toBeLessThanOrEqual(tolerance);
    expect(fit.iterations).toBe(twin.iterations);
    expect(maxRelativeError(fit.w, twin.w)).toBeLessThanOrEqual(tolerance);
    expect(maxRelativeError(fit.h, twin.h)).toBeLessThanOrEqual(tolerance);
  });
}

// Sizes off the 64-sample tile and the 2048-sample chunk, k up to 5, several restarts.
const CASES: { m: number; n: number; settings: Partial<NmfSettings> }[] = [
  { m: 3, n: 37, settings: { kMax: 2, restarts: 3 } },
  { m: 8, n: 505, settings: { kMax: 4, restarts: 2 } },
  { m: 13, n: 2500, settings: { kMax: 5, restarts: 2 } },
];

describe('WGSL NMF (nmfUpdateH + nmfUpdateW) against its CPU twin', () => {
  for (const c of CASES) {
    it(`${c.m} × ${c.n}, k = 1…${c.settings.kMax} × ${c.settings.restarts} restarts, 25 fixed iterations`, async () => {
      const gpu = await testGpu();
      const input = { e: data(c.m, c.n), m: c.m, n: c.n };
      const settings: NmfSettings = { kMax: 1, restarts: 1, maxIterations: 25, tolerance: 0, checkEvery: 10, seed: rng.nextUint32(), ...c.settings };
      compareRuns(await nmfGpu(gpu, input, settings, {}, { poisonScratch: true }), await nmfCpu(input, settings), 1e-4);
    });
  }

  it('gives the same bits with dispatches prepared once and blocks overlapped as with one dispatch at a time', async () => {
    const gpu = await testGpu();
    const input = { e: data(5, 301), m: 5, n: 301 };
    const settings: NmfSettings = { kMax: 3, restarts: 2, maxIterations: 60, tolerance: 1e-4, checkEvery: 7, seed: rng.nextUint32() };
    const batched = await nmfGpu(gpu, input, settings, {}, { poisonScratch: true });
    const unbatched = await nmfGpu(gpu, input, settings, {}, { poisonScratch: true, unbatchedDispatch: true });
    expect(batched.iterationsByRestart).toEqual(unbatched.iterationsByRestart);
    expect(batched.vafByRestart).toEqual(unbatched.vafByRestart);
    batched.best.forEach((fit, index) => {
      expect(Array.from(fit.w)).toEqual(Array.from(unbatched.best[index].w));
      expect(Array.from(fit.h)).toEqual(Array.from(unbatched.best[index].h));
    });
  });

  it('stops on the VAF rule like the twin, and splits problems into groups when H exceeds the group budget', async () => {
    const gpu = await testGpu();
    const input = { e: data(6, 300), m: 6, n: 300 };
    const settings: NmfSettings = { kMax: 3, restarts: 2, maxIterations: 200, tolerance: 1e-3, checkEvery: 5, seed: rng.nextUint32() };
    // 300 samples × 4 bytes × 3 rows: at most one k = 3 problem (or three k = 1) per group.
    const gpuRun = await nmfGpu(gpu, input, settings, {}, { maxGroupBytes: 300 * 4 * 3, poisonScratch: true });
    const cpuRun = await nmfCpu(input, settings);
    expect(gpuRun.best.every((fit) => fit.converged && fit.iterations < 200)).toBe(true);
    compareRuns(gpuRun, cpuRun, 1e-4);
  });
});
