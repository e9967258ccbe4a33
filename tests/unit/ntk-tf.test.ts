import { describe, expect, it } from 'vitest';
import { initNetwork, sampleSphere, trainNetwork } from '../../src/lib/ntk/index.ts';
import { trainNetworkTf, type Tf } from '../../src/lib/ntk/networkTf.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';

function relativeError(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

describe('the tfjs (wasm) network GD', () => {
  it('matches the typed-array reference: weights, curve and predictions after a few steps', async () => {
    const tf = (await nodeTf()) as unknown as Tf;
    const before = tf.memory().numTensors;
    const d = 3;
    const n = 37; // not a multiple of any SIMD width
    const m = 98;
    const { x } = sampleSphere({ n, d, law: 'clustered', seed: 5 });
    const test = sampleSphere({ n: 11, d, law: 'uniform', seed: 6 });
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(3 * x[i * d]) + 0.3 * x[i * d + 2]);
    const yTest = Float64Array.from({ length: 11 }, (_, i) => Math.sin(3 * test.x[i * d]));
    const options = { x, y, xTest: test.x, yTest, eta: 2, steps: 21, evalSteps: [0, 3, 21], keepSteps: [3] };
    const reference = trainNetwork({ ...options, net: initNetwork({ m, d, seed: 2 }) });
    const steps: number[] = [];
    const run = await trainNetworkTf(tf, { ...options, net: initNetwork({ m, d, seed: 2 }), onStep: (s) => steps.push(s) });

    expect(steps).toEqual(Array.from({ length: 21 }, (_, i) => i + 1)); // past the every-20-steps wait
    expect(relativeError(run.net.w, reference.net.w)).toBeLessThan(1e-4);
    // the weights moved, so the comparison is not of two initialisations
    expect(relativeError(initNetwork({ m, d, seed: 2 }).w, reference.net.w)).toBeGreaterThan(1e-2);
    expect(relativeError(run.testPredictions, reference.testPredictions)).toBeLessThan(1e-4);
    expect(relativeError(run.testPredictionsAt(3)!, reference.testPredictionsAt(3)!)).toBeLessThan(1e-4);
    expect(run.curve.map((p) => p.step)).toEqual([0, 3, 21]);
    for (const [j, point] of run.curve.entries()) {
      expect(Math.abs(point.trainLoss - reference.curve[j].trainLoss)).toBeLessThan(1e-4 * reference.curve[j].trainLoss + 1e-7);
      expect(Math.abs(point.testRisk - reference.curve[j].testRisk)).toBeLessThan(1e-4 * reference.curve[j].testRisk + 1e-7);
    }
    expect(run.relativeWeightMovement).toBeCloseTo(reference.relativeWeightMovement, 4);
    expect(run.maxNeuronMovement).toBeCloseTo(reference.maxNeuronMovement, 4);
    expect(tf.memory().numTensors).toBe(before); // every step's tensors were disposed
  });
});
