import { beforeAll, describe, expect, it } from 'vitest';
import { checkGdbrConfig, GDBR_DEFAULTS } from '../../src/lib/gdbr/config.ts';
import { localUpdate, minibatchRanges } from '../../src/lib/gdbr/localUpdate.ts';
import { batchGradients } from '../../src/lib/train/gradients.ts';
import { oneHot, type ImageSet } from '../../src/lib/train/imageSet.ts';
import { softmaxCrossEntropy } from '../../src/lib/train/losses.ts';
import { buildModel, type ModelSpec } from '../../src/lib/train/models.ts';
import { useNodeWasmBackend } from '../../src/lib/train/node.ts';
import { readWeights } from '../../src/lib/train/weights.ts';
import { configFromFlags } from '../../src/cli/commands/gdbr.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { maxRelativeError } from '../helpers/compare.ts';

beforeAll(async () => {
  await useNodeWasmBackend();
});

/** 24 random 6×6 "images" of 4 classes. */
function tinySet(seed: number, count = 24): ImageSet {
  const rng = new Rng(seed);
  return {
    pixels: rng.fillUniform(new Float32Array(count * 36), 0, 1),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 4),
    count,
    height: 6,
    width: 6,
    classes: 4,
  };
}

const SPEC: ModelSpec = { kind: 'mlp', hidden: [12] };

async function gradientAt(model: ReturnType<typeof buildModel>, batch: ImageSet) {
  return batchGradients(model, softmaxCrossEntropy, { inputs: batch.pixels, targets: oneHot(batch.labels, batch.classes), inputSize: 36, targetSize: batch.classes });
}

describe('the local-update client', () => {
  it('splits a batch into at most M minibatches that cover it once', () => {
    expect(minibatchRanges(10, 4)).toEqual([[0, 3], [3, 6], [6, 9], [9, 10]]);
    expect(minibatchRanges(8, 1)).toEqual([[0, 8]]);
    expect(() => minibatchRanges(3, 4)).toThrow(/4 minibatches/);
  });

  it('with E = 1 (one minibatch) shares −η times the gradient at the global weights', async () => {
    const model = buildModel(SPEC, { height: 6, width: 6, classes: 4 }, 5);
    const batch = tinySet(1);
    const gradient = await gradientAt(model, batch);
    const { delta, pseudoGradient } = await localUpdate(model, batch, { steps: 1, learningRate: 0.3 });
    for (const [w, g] of gradient.entries()) {
      expect(delta[w].name).toBe(g.name);
      expect(maxRelativeError(delta[w].values, Float32Array.from(g.values, (v) => -0.3 * v))).toBeLessThan(1e-5);
      expect(maxRelativeError(pseudoGradient[w].values, g.values)).toBeLessThan(1e-5);
    }
    model.dispose();
  });

  it('with E > 1 shares an update that is not the single gradient, and leaves the model as it was', async () => {
    const model = buildModel(SPEC, { height: 6, width: 6, classes: 4 }, 5);
    const batch = tinySet(2);
    const before = await readWeights(model);
    const gradient = await gradientAt(model, batch);
    const { pseudoGradient } = await localUpdate(model, batch, { steps: 6, learningRate: 0.5 });
    const after = await readWeights(model);
    after.forEach((weight, w) => expect(Array.from(weight.values)).toEqual(Array.from(before[w].values)));
    // The mean gradient along the path differs from the one at w₀: later steps see moved weights
    // and other minibatches (by ≥ 10 % here, far above float error).
    const logitBias = (tensors: typeof gradient) => tensors.find((t) => t.name === 'logits/bias')!.values;
    expect(maxRelativeError(pseudoGradient.find((t) => t.name === 'logits/kernel')!.values, gradient.find((t) => t.name === 'logits/kernel')!.values)).toBeGreaterThan(0.1);
    // Training on the batch lowers its loss, so the path's bias gradient is smaller than at w₀.
    const norm = (values: Float32Array) => Math.hypot(...values);
    expect(norm(logitBias(pseudoGradient))).toBeLessThan(norm(logitBias(gradient)));
    model.dispose();
  });

  it('the steps are a checked setting and a CLI flag', () => {
    expect(configFromFlags(['--local-steps', '5']).localSteps).toBe(5);
    expect(configFromFlags([]).localSteps).toBe(1);
    expect(() => checkGdbrConfig({ ...GDBR_DEFAULTS, localSteps: 11 })).toThrow(/local steps/);
    expect(() => checkGdbrConfig({ ...GDBR_DEFAULTS, localSteps: 0 })).toThrow(/local steps/);
  });
});
