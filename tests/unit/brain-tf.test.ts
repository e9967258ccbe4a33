import { beforeAll, describe, expect, it } from 'vitest';
import { ARCHS, cnnGeometry, makeDecoder, parameterCount, patchIndex, type Tf } from '../../src/lib/brain/decoders.ts';
import { trainAndEncode } from '../../src/lib/brain/encoder.ts';
import { BRAIN_DEFAULTS, runBrainExperiment, type BrainConfig } from '../../src/lib/brain/experiment.ts';
import { SIMULATOR_DEFAULTS, simulateSubjects } from '../../src/lib/brain/simulator.ts';
import { contrastiveLoss } from '../../src/lib/brain/train.ts';
import { Cancelled } from '../../src/lib/errors.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { registerWasmConvFilterGrad } from '../../src/lib/train/wasmConvFilterGrad.ts';
import { Rng } from '../../src/lib/util/random.ts';

let tf: Tf;
beforeAll(async () => {
  tf = (await nodeTf()) as unknown as Tf;
  registerWasmConvFilterGrad();
});

const sheet = { width: 8, height: 8 };

describe('decoders (tfjs-wasm)', () => {
  it('map [B, V] to [B, d] for every architecture, on a sheet and on a strip', () => {
    for (const s of [sheet, { width: 40, height: 1 }]) {
      for (const arch of ARCHS) {
        const decoder = makeDecoder(tf, { arch, sheet: s, outDim: 6, seed: 0 });
        const out = tf.tidy(() => decoder.apply(tf.randomNormal([3, s.width * s.height])));
        expect(out.shape).toEqual([3, 6]);
        expect(parameterCount(decoder)).toBeGreaterThan(0);
        out.dispose();
        decoder.dispose();
      }
    }
  });
  it('cut the sheet into patches and size the CNN as documented', () => {
    const { tokens, patchSize, index } = patchIndex({ width: 6, height: 4 });
    expect([tokens, patchSize]).toEqual([2, 16]); // 4×4 patches; the second covers x = 4…7, half outside
    expect(Array.from(index.slice(16, 20))).toEqual([4, 5, -1, -1]);
    expect(cnnGeometry({ width: 32, height: 32 }).flat).toBe(8 * 8 * 16);
    expect(cnnGeometry({ width: 1024, height: 1 }).flat).toBe(64 * 16);
  });
  it('the same seed gives the same network; a clone is independent', async () => {
    const a = makeDecoder(tf, { arch: 'mlp', sheet, outDim: 4, seed: 3 });
    const b = makeDecoder(tf, { arch: 'mlp', sheet, outDim: 4, seed: 3 });
    expect(await a.params.w1.data()).toEqual(await b.params.w1.data());
    const c = a.clone();
    a.params.w1.assign(tf.zerosLike(a.params.w1));
    expect((await c.params.w1.data())[0]).not.toBe(0);
    [a, b, c].forEach((d) => d.dispose());
  });
});

describe('contrastive loss', () => {
  it('is ≈ 0 for a perfect match at low temperature and log B when every prediction is the same', async () => {
    const targets = tf.tensor2d([1, 0, 0, 0, 1, 0, 0, 0, 1], [3, 3]);
    const perfect = contrastiveLoss(tf, targets, targets, 0.01);
    expect((await perfect.data())[0]).toBeLessThan(1e-6);
    const same = contrastiveLoss(tf, tf.ones([3, 3]) as never, targets, 0.1);
    expect((await same.data())[0]).toBeCloseTo(Math.log(3), 5);
  });
});

describe('the image encoder', () => {
  it('reduces the reconstruction error and gives one feature vector per image', async () => {
    const rng = new Rng(1);
    const count = 64;
    const pixels = new Float32Array(count * 64);
    for (let i = 0; i < count; i++) for (let p = 0; p < 64; p++) pixels[i * 64 + p] = (p % 8) < (i % 8) ? 1 : rng.next() * 0.1;
    const encoded = await trainAndEncode(tf, { pixels, count, width: 8, height: 8 }, { featureDim: 4, hidden: 16, steps: 60, batch: 32, learningRate: 1e-2, trainImages: 32, seed: 0 });
    expect(encoded.features.length).toBe(count * 4);
    expect(encoded.lossEnd).toBeLessThan(encoded.lossStart);
  });
});

describe('the experiment on a small simulated set', () => {
  const n = 80;
  const d = 8;
  const features = new Rng(5).fillNormal(new Float32Array(n * d));
  const config: BrainConfig = { ...BRAIN_DEFAULTS, subjects: [1, 3], testSubjects: 2, testStimuli: 20, steps: 40, batch: 16, learningRate: 3e-3, fineTuneSubjects: 1, fineTuneSteps: 5 };
  const dataset = (similarity: number) => simulateSubjects(features, n, d, { ...SIMULATOR_DEFAULTS, sheet, smoothness: 1, noise: 0.3, clusters: 1, similarity, subjects: 5, seed: 0 });

  it('reports the curve with chance, the similarity analysis and the fine-tuning rows, for every architecture', async () => {
    const result = await runBrainExperiment(tf, { ...config, archs: [...ARCHS] }, { kind: 'data', dataset: dataset(1) });
    expect(result.curve.map((p) => `${p.arch}:${p.subjects}`)).toEqual(['mlp:1', 'mlp:3', 'cnn:1', 'cnn:3', 'transformer:1', 'transformer:3']);
    for (const p of result.curve) {
      expect(p).toMatchObject({ chance: 1 / 20, chanceTop5: 5 / 20 });
      expect(p.top5).toBeGreaterThanOrEqual(p.top1);
    }
    expect(result.similarity[0].points).toHaveLength(2);
    expect(result.fineTune).toHaveLength(3);
    expect(result.nWay).toBe(20);
    // ρ = 1, little noise: the MLP decodes unseen subjects far above the 5 % chance.
    expect(result.curve[1].top1).toBeGreaterThan(0.3);
  });
  it('stops when the progress callback throws (how the worker cancels)', async () => {
    let calls = 0;
    const onProgress = () => {
      if (++calls === 5) throw new Cancelled();
    };
    await expect(runBrainExperiment(tf, config, { kind: 'data', dataset: dataset(1) }, { onProgress })).rejects.toBeInstanceOf(Cancelled);
    expect(calls).toBe(5);
  });
  it('refuses more subjects than the data holds', async () => {
    await expect(runBrainExperiment(tf, { ...config, subjects: [4] }, { kind: 'data', dataset: dataset(1) })).rejects.toThrow(/need 6 subjects, the data has 5/);
  });
});
