import { describe, expect, it } from 'vitest';
import { compileNmfKernel } from '../../scripts/buildNmfKernel.ts';
import { DEFAULT_NMF, initialFactors, nmfFitFast, nmfReference, sumOfSquares, transpose } from '../../src/lib/synergy/nmf.ts';
import { nmfCpu, nmfCpuScalar } from '../../src/lib/synergy/nmfCpu.ts';
import { NMF_KERNEL_WASM_BASE64 } from '../../src/lib/synergy/nmfKernelWasm.ts';
import { NmfSimdFitter, nmfKernelModule } from '../../src/lib/synergy/nmfSimd.ts';
import { matchSynergies } from '../../src/lib/synergy/matching.ts';
import { DEFAULT_DESIGN, simulateStudy } from '../../src/lib/synergy/simulate.ts';
import { DEFAULT_STUDY_SETTINGS, runStudy, studyInputFromSimulation } from '../../src/lib/synergy/study.ts';
import { chooseK, vaf } from '../../src/lib/synergy/vaf.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { maxRelativeError } from '../helpers/compare.ts';

/** E = W·H + small noise from planted W [m, k] (unit columns) and sparse-ish H. */
function planted(m: number, n: number, k: number, seed: number) {
  const rng = new Rng(seed);
  const w = new Float32Array(m * k);
  for (let r = 0; r < k; r++) {
    // Each synergy owns one muscle the others lack, so the factorisation is unique.
    for (let i = 0; i < m; i++) w[i * k + r] = i % k === r ? 1 : i === (r + 1) % k ? 0 : 0.3 * rng.next();
    let norm = 0;
    for (let i = 0; i < m; i++) norm += w[i * k + r] ** 2;
    for (let i = 0; i < m; i++) w[i * k + r] /= Math.sqrt(norm);
  }
  const e = new Float32Array(m * n);
  for (let j = 0; j < n; j++) {
    const h = Array.from({ length: k }, (_, r) => Math.max(0, Math.sin((2 * Math.PI * (j + 37 * r)) / 97) + 0.2 * rng.next()));
    for (let i = 0; i < m; i++) {
      let v = 0;
      for (let r = 0; r < k; r++) v += w[i * k + r] * h[r];
      e[i * n + j] = Math.max(0, v * (1 + 0.02 * rng.normal()));
    }
  }
  return { w, e };
}

describe('NMF', () => {
  it('recovers planted synergies (cosine ≥ 0.98)', async () => {
    const m = 8;
    const k = 3;
    const { w, e } = planted(m, 600, k, 11);
    const run = await nmfCpu({ e, m, n: 600 }, { ...DEFAULT_NMF, kMax: 4, restarts: 5 });
    const { similarity } = matchSynergies(w, run.best[k - 1].w, k, m);
    expect(Math.min(...similarity)).toBeGreaterThanOrEqual(0.98);
    expect(chooseK(run.best.map((f) => f.vaf), 0.9).k).toBeLessThanOrEqual(k);
  });

  it('reports a VAF equal to the direct 1 − ‖E − WH‖²/‖E‖², before and after normalising W', async () => {
    const { e } = planted(6, 300, 2, 3);
    const run = await nmfCpu({ e, m: 6, n: 300 }, { ...DEFAULT_NMF, kMax: 3, restarts: 2 });
    for (const fit of run.best) {
      expect(fit.vaf).toBeCloseTo(vaf(e, fit.w, fit.h, { m: 6, n: 300, k: fit.k }), 5);
      for (let r = 0; r < fit.k; r++) {
        let norm = 0;
        for (let i = 0; i < 6; i++) norm += fit.w[i * fit.k + r] ** 2;
        expect(norm).toBeCloseTo(1, 5);
      }
    }
  });

  it('the scalar path (no SIMD) follows the reference iteration for iteration', () => {
    const { e } = planted(5, 137, 2, 5);
    const data = { e, m: 5, n: 137 };
    const start = initialFactors(data, { k: 3, restart: 0 }, 9);
    const control = { maxIterations: 40, tolerance: 0, checkEvery: 10 };
    const reference = nmfReference(data, 3, start, control);
    const fast = nmfFitFast(data, transpose(e, 5, 137), sumOfSquares(e), 3, start, control);
    expect(maxRelativeError(fast.w, reference.w)).toBeLessThan(1e-4);
    expect(maxRelativeError(fast.h, reference.h)).toBeLessThan(1e-4);
    expect(fast.vaf).toBeCloseTo(reference.vaf, 6);
  });

  it('the SIMD kernel follows the reference iteration for iteration, every restart of a batch', async () => {
    // 613 samples: three 256-sample blocks, the last one short and padded; 7 muscles: odd rows.
    const { e } = planted(7, 613, 3, 6);
    const data = { e, m: 7, n: 613 };
    const control = { maxIterations: 30, tolerance: 0, checkEvery: 10 };
    const module = await nmfKernelModule();
    expect(module).not.toBeNull();
    const fitter = new NmfSimdFitter(module!, data, sumOfSquares(e));
    for (const k of [1, 4]) {
      const starts = [0, 1, 2].map((restart) => initialFactors(data, { k, restart }, 4));
      const fits = await fitter.fitBatch(k, starts, control);
      fits.forEach((fit, restart) => {
        const reference = nmfReference(data, k, starts[restart], control);
        expect(fit.iterations).toBe(30);
        expect(maxRelativeError(fit.w, reference.w)).toBeLessThan(1e-4);
        expect(maxRelativeError(fit.readH(), reference.h)).toBeLessThan(1e-4);
        expect(fit.vaf).toBeCloseTo(reference.vaf, 6);
      });
    }
  });

  it('the SIMD and scalar CPU paths agree restart for restart, each restart stopping on its own', async () => {
    const { e } = planted(6, 701, 2, 12);
    const input = { e, m: 6, n: 701 };
    const settings = { ...DEFAULT_NMF, kMax: 3, restarts: 4, maxIterations: 150, tolerance: 1e-4, checkEvery: 5 };
    const [simd, scalar] = [await nmfCpu(input, settings), await nmfCpuScalar(input, settings)];
    expect(simd.iterationsByRestart).toEqual(scalar.iterationsByRestart);
    expect(new Set(simd.iterationsByRestart.flat()).size).toBeGreaterThan(1);
    simd.vafByRestart.forEach((vafs, k) => expect(maxRelativeError(vafs, scalar.vafByRestart[k])).toBeLessThan(1e-5));
    simd.best.forEach((fit, index) => {
      expect(fit.restart).toBe(scalar.best[index].restart);
      expect(maxRelativeError(fit.w, scalar.best[index].w)).toBeLessThan(1e-4);
      expect(maxRelativeError(fit.h, scalar.best[index].h)).toBeLessThan(1e-4);
    });
  });

  it('ships the WebAssembly that nmfKernel.wat compiles to (npm run build:nmf-kernel)', async () => {
    const shipped = Uint8Array.from(atob(NMF_KERNEL_WASM_BASE64), (c) => c.charCodeAt(0));
    expect(Array.from(shipped)).toEqual(Array.from(await compileNmfKernel()));
  });

  it('stops when the VAF settles, and rejects bad input', async () => {
    const { e } = planted(4, 200, 2, 8);
    const run = await nmfCpu({ e, m: 4, n: 200 }, { ...DEFAULT_NMF, kMax: 2, restarts: 1, tolerance: 1e-4 });
    expect(run.best.every((fit) => fit.converged && fit.iterations < DEFAULT_NMF.maxIterations)).toBe(true);
    await expect(nmfCpu({ e: Float32Array.from([1, -1, 1, 1]), m: 2, n: 2 }, { ...DEFAULT_NMF, kMax: 1 })).rejects.toThrow(/non-negative/);
    await expect(nmfCpu({ e, m: 4, n: 200 }, { ...DEFAULT_NMF, kMax: 5 })).rejects.toThrow(/kMax/);
  });
});

describe('the simulated two-condition study', () => {
  it('reproduces its planted effects', async () => {
    const simulation = simulateStudy({ ...DEFAULT_DESIGN, trialsPerCondition: 3 });
    const result = await runStudy(studyInputFromSimulation(simulation), { ...DEFAULT_STUDY_SETTINGS, nmf: { ...DEFAULT_STUDY_SETTINGS.nmf, kMax: 3, restarts: 3 } }, nmfCpu);
    const row = (measure: string, synergy: number) => result.rows.find((r) => r.measure.startsWith(measure) && r.synergy === synergy)!;
    // 2 synergies in both conditions
    expect(result.k).toBe(2);
    expect(result.chosenKCounts[1]).toBeGreaterThanOrEqual(14);
    // synergy 1 (AD/MD) unchanged, synergy 2 changed
    const similarity = result.similarityBetweenConditions.map((values) => values.reduce((a, b) => a + b, 0) / values.length);
    expect(similarity[0]).toBeGreaterThan(0.97);
    expect(similarity[1]).toBeLessThan(0.9);
    const baseline = result.sessions.find((s) => s.condition === 0)!;
    const ad = baseline.w[0 * 2 + 0];
    expect(ad).toBeGreaterThan(0.5);
    // and matches the planted synergies
    for (const session of result.sessions) {
      const { similarity: toTruth } = matchSynergies(simulation.trueW[session.condition], session.w, 2, 8);
      expect(Math.min(...toTruth)).toBeGreaterThan(0.95);
    }
    // lower synergy-1 activation with the intervention
    expect(row('Recruitment', 1).meanB).toBeLessThan(row('Recruitment', 1).meanA);
    expect(row('Recruitment', 1).t.p).toBeLessThan(0.05);
    expect(row('Recruitment', 1).wilcoxon.p).toBeLessThan(0.05);
    // unchanged sparseness
    expect(row('Sparseness', 1).t.p).toBeGreaterThan(0.05);
    expect(row('Sparseness', 2).t.p).toBeGreaterThan(0.05);
    expect(result.sparsenessRegression.slopeCi95[0]).toBeLessThan(1.05);
    // maps: less activity with the intervention
    expect(result.maps.rows[0].meanB).toBeLessThan(result.maps.rows[0].meanA);
  });
});
