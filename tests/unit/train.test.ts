import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CancelFlag } from '../../src/lib/cancel.ts';
import { InputError } from '../../src/lib/errors.ts';
import { RunControl } from '../../src/lib/train/control.ts';
import { sampleBeta, sampleDirichlet, sampleGamma } from '../../src/lib/train/gamma.ts';
import { gunzip } from '../../src/lib/train/gzip.ts';
import { parseIdx } from '../../src/lib/train/idx.ts';
import { classCounts, oneHot, subsetImages } from '../../src/lib/train/imageSet.ts';
import { accuracy, argmaxRows, calibration, confusionMatrix, meanKlDivergence, normalisedSigmoidRows, softmaxRows } from '../../src/lib/train/metrics/index.ts';
import { imageSetFromIdx } from '../../src/lib/train/mnist.ts';
import { loadShippedMnist } from '../../src/lib/train/node.ts';
import { partitionDirichlet, partitionIid } from '../../src/lib/train/partition.ts';
import { encodeSafetensors } from '../../src/lib/train/safetensors.ts';
import { learningRateAt } from '../../src/lib/train/schedules.ts';
import { splitIndices } from '../../src/lib/train/split.ts';
import { Rng } from '../../src/lib/util/random.ts';

/** An IDX file of unsigned bytes with the given dimensions and payload. */
function idxBytes(dims: number[], payload: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + payload.length);
  bytes[2] = 0x08;
  bytes[3] = dims.length;
  const view = new DataView(bytes.buffer);
  dims.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  bytes.set(payload, 4 + 4 * dims.length);
  return bytes;
}

describe('IDX parser', () => {
  it('reads dimensions (big-endian) and payload', () => {
    const parsed = parseIdx(idxBytes([2, 1, 3], [0, 1, 2, 253, 254, 255]));
    expect(parsed.dims).toEqual([2, 1, 3]);
    expect(Array.from(parsed.data)).toEqual([0, 1, 2, 253, 254, 255]);
  });
  it('rejects a file cut inside the payload, naming the file and the byte counts', () => {
    const whole = idxBytes([3], [7, 8, 9]);
    expect(() => parseIdx(whole.subarray(0, whole.length - 1), 'labels.idx')).toThrow(InputError);
    try {
      parseIdx(whole.subarray(0, whole.length - 1), 'labels.idx');
    } catch (error) {
      expect((error as InputError).message).toBe('labels.idx is truncated');
      expect((error as InputError).detail).toMatch(/has 10 bytes but needs 11/);
    }
  });
  it('rejects a file cut inside the header or the magic number', () => {
    const whole = idxBytes([2, 2], [1, 2, 3, 4]);
    expect(() => parseIdx(whole.subarray(0, 7))).toThrow(/truncated/);
    expect(() => parseIdx(whole.subarray(0, 3))).toThrow(/truncated/);
  });
  it('rejects the real MNIST label file cut short by one byte', async () => {
    const { readFile } = await import('node:fs/promises');
    const { MNIST_FOLDER } = await import('../../src/lib/train/node.ts');
    const raw = await gunzip(new Uint8Array(await readFile(`${MNIST_FOLDER}t10k-labels-idx1-ubyte.gz`)));
    expect(parseIdx(raw).dims).toEqual([10000]);
    expect(() => parseIdx(raw.subarray(0, raw.length - 1), 't10k-labels')).toThrow(/t10k-labels is truncated/);
  });
  it('rejects trailing bytes, a wrong magic number and other value types', () => {
    expect(() => parseIdx(new Uint8Array([...idxBytes([1], [5]), 0]))).toThrow(/longer than its header/);
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]))).toThrow(/not an IDX file/);
    const floats = idxBytes([1], [0, 0, 0, 0]);
    floats[2] = 0x0d;
    expect(() => parseIdx(floats)).toThrow(/type 0x0d/);
  });
});

describe('gzip', () => {
  it('decompresses what zlib compressed and passes plain bytes through', async () => {
    const plain = new Uint8Array(1000).map((_, i) => i % 251);
    expect(Array.from(await gunzip(new Uint8Array(gzipSync(plain))))).toEqual(Array.from(plain));
    expect(await gunzip(plain)).toBe(plain);
  });
  it('reports a truncated gzip stream as bad input', async () => {
    const packed = new Uint8Array(gzipSync(new Uint8Array(5000).map((_, i) => (i * 7) % 256)));
    await expect(gunzip(packed.subarray(0, packed.length - 20), 'x.gz')).rejects.toThrow(/x.gz could not be decompressed/);
  });
});

describe('MNIST', () => {
  it('loads the shipped 10 000 test digits, scaled to [0, 1], about 1 000 per class', async () => {
    const mnist = await loadShippedMnist();
    expect([mnist.count, mnist.height, mnist.width, mnist.classes]).toEqual([10000, 28, 28, 10]);
    expect(mnist.labels[0]).toBe(7); // the first MNIST test digit is a 7
    const counts = classCounts(mnist.labels, 10);
    expect(counts.reduce((a, b) => a + b)).toBe(10000);
    expect(Math.min(...counts)).toBeGreaterThan(850);
    let max = 0;
    for (const value of mnist.pixels) max = Math.max(max, value);
    expect(max).toBe(1);
  });
  it('refuses label and image files that disagree', () => {
    const images = parseIdx(idxBytes([2, 1, 1], [0, 255]));
    expect(() => imageSetFromIdx(images, parseIdx(idxBytes([3], [0, 1, 2])))).toThrow(/3 labels for 2 images/);
    expect(() => imageSetFromIdx(images, parseIdx(idxBytes([2], [0, 12])))).toThrow(/label 12/);
  });
});

describe('splits and partitions', () => {
  const labels = Uint8Array.from({ length: 1000 }, (_, i) => i % 10);

  it('splits into disjoint parts of the asked sizes, each class in the same proportions', () => {
    const parts = splitIndices(1000, { train: 0.6, validation: 0.1, test: 0.3 }, { seed: 3, labels });
    expect([parts.train.length, parts.validation.length, parts.test.length]).toEqual([600, 100, 300]);
    const all = new Set([...parts.train, ...parts.validation, ...parts.test]);
    expect(all.size).toBe(1000);
    expect(classCounts(Array.from(parts.validation, (i) => labels[i]), 10)).toEqual(new Array(10).fill(10));
  });
  it('gives the same split for the same seed and another for another seed', () => {
    const a = splitIndices(1000, { train: 0.5, test: 0.5 }, { seed: 1 });
    const b = splitIndices(1000, { train: 0.5, test: 0.5 }, { seed: 1 });
    const c = splitIndices(1000, { train: 0.5, test: 0.5 }, { seed: 2 });
    expect(Array.from(a.train)).toEqual(Array.from(b.train));
    expect(Array.from(a.train)).not.toEqual(Array.from(c.train));
  });
  it('leaves items out when fractions sum below 1, and refuses sums above 1', () => {
    expect(splitIndices(100, { victim: 0.5, auxiliary: 0.1 }, { seed: 0 }).auxiliary.length).toBe(10);
    expect(() => splitIndices(100, { a: 0.7, b: 0.4 }, { seed: 0 })).toThrow(/sum to 1.1/);
  });
  it('IID partition deals every item to exactly one client, evenly', () => {
    const clients = partitionIid(Array.from({ length: 103 }, (_, i) => i), 4, 9);
    expect(clients.map((c) => c.length)).toEqual([26, 26, 26, 25]);
    expect(new Set(clients.flatMap((c) => Array.from(c))).size).toBe(103);
  });
  it('Dirichlet partition covers every item once and skews labels more for small α', () => {
    const indices = Array.from({ length: 1000 }, (_, i) => i);
    const skew = (alpha: number) => {
      const clients = partitionDirichlet(indices, labels, { clients: 5, alpha, seed: 4 });
      expect(clients.reduce((n, c) => n + c.length, 0)).toBe(1000);
      expect(new Set(clients.flatMap((c) => Array.from(c))).size).toBe(1000);
      // Mean share of each client's most common class: 0.1 for perfectly mixed clients.
      return clients.filter((c) => c.length).reduce((sum, c) => sum + Math.max(...classCounts(Array.from(c, (i) => labels[i]), 10)) / c.length, 0) / 5;
    };
    expect(skew(0.1)).toBeGreaterThan(skew(100) + 0.2);
  });
});

describe('Gamma, Beta and Dirichlet draws', () => {
  it('have the right means (10 000 draws each)', () => {
    const rng = new Rng(11);
    const mean = (draw: () => number) => Array.from({ length: 10000 }, draw).reduce((a, b) => a + b) / 10000;
    expect(mean(() => sampleGamma(rng, 3))).toBeCloseTo(3, 1);
    expect(mean(() => sampleGamma(rng, 0.4))).toBeCloseTo(0.4, 1);
    expect(mean(() => sampleBeta(rng, 2, 6))).toBeCloseTo(0.25, 2);
    const shares = sampleDirichlet(rng, [1, 1, 1]);
    expect(shares.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
  });
});

describe('metrics', () => {
  it('accuracy, argmax and confusion counts on a hand-made case', () => {
    const scores = [0.1, 0.9, 0.8, 0.2, 0.3, 0.7]; // rows: class 1, class 0, class 1
    const predicted = argmaxRows(scores, 2);
    expect(Array.from(predicted)).toEqual([1, 0, 1]);
    expect(accuracy(predicted, [1, 1, 1])).toBeCloseTo(2 / 3, 12);
    expect(Array.from(confusionMatrix(predicted, [1, 1, 0], 2))).toEqual([0, 1, 1, 1]);
  });
  it('softmax rows sum to 1 and survive huge logits; normalised sigmoids too', () => {
    const probabilities = softmaxRows([1000, 1000, 0, 0, Math.log(3), 0], 3);
    expect(Array.from(probabilities.subarray(0, 3))).toEqual([0.5, 0.5, 0]);
    expect(probabilities[4]).toBeCloseTo(3 / 5, 6);
    const sigmoids = normalisedSigmoidRows([0, 0, Math.log(3)], 3);
    expect(sigmoids[2]).toBeCloseTo(0.75 / 1.75, 6);
  });
  it('ECE on a hand-computed case', () => {
    // Confidences 0.9 (right), 0.9 (wrong), 0.6 (right), 0.6 (right) with 10 bins:
    // bin (0.8, 0.9]: accuracy 0.5 vs 0.9; bin (0.5, 0.6]: accuracy 1 vs 0.6 → ECE = ½·0.4 + ½·0.4 = 0.4.
    const probabilities = [0.9, 0.1, 0.9, 0.1, 0.4, 0.6, 0.6, 0.4];
    const { ece, bins } = calibration(probabilities, [0, 1, 1, 0], 2, 10);
    expect(ece).toBeCloseTo(0.4, 6);
    expect(bins[8].count).toBe(2);
    expect(bins[5].count).toBe(2);
    expect(calibration([1, 0, 0, 1], [0, 1], 2).ece).toBe(0);
  });
  it('KL divergence: 0 for equal rows, a hand value otherwise, finite for confident mistakes', () => {
    expect(meanKlDivergence([0.5, 0.5], [0.5, 0.5], 2)).toBe(0);
    expect(meanKlDivergence([0.5, 0.5, 1, 0], [0.25, 0.75, 1, 0], 2)).toBeCloseTo((0.5 * Math.log(2) + 0.5 * Math.log(2 / 3)) / 2, 10);
    expect(Number.isFinite(meanKlDivergence([1, 0], [0, 1], 2))).toBe(true);
  });
  it('rejects shapes that do not fit', () => {
    expect(() => argmaxRows([1, 2, 3], 2)).toThrow(RangeError);
    expect(() => accuracy([1], [1, 2])).toThrow(RangeError);
  });
});

describe('image sets', () => {
  it('subsets copy pixels and labels in the asked order; one-hot checks labels', () => {
    const set = { pixels: Float32Array.from([1, 1, 2, 2, 3, 3]), labels: Uint8Array.from([0, 1, 2]), count: 3, height: 1, width: 2, classes: 3 };
    const sub = subsetImages(set, [2, 0]);
    expect(Array.from(sub.pixels)).toEqual([3, 3, 1, 1]);
    expect(Array.from(sub.labels)).toEqual([2, 0]);
    expect(Array.from(oneHot([1, 0], 2))).toEqual([0, 1, 1, 0]);
    expect(() => oneHot([2], 2)).toThrow(RangeError);
  });
});

describe('learning-rate schedules', () => {
  it('cosine runs from the base rate to the floor; step multiplies per period', () => {
    const at = (step: number) => learningRateAt(0.1, { kind: 'cosine', finalFraction: 0.1 }, { step, totalSteps: 11, epoch: 0 });
    expect(at(0)).toBeCloseTo(0.1, 12);
    expect(at(5)).toBeCloseTo(0.055, 12);
    expect(at(10)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(0.1, { kind: 'step', everyEpochs: 2, factor: 0.5 }, { step: 0, totalSteps: 1, epoch: 5 })).toBeCloseTo(0.025, 12);
  });
});

describe('run control', () => {
  it('waits while paused, continues on resume, and throws Cancelled when cancelled', async () => {
    const control = new RunControl(new CancelFlag(), 0);
    control.pause();
    let passed = false;
    const waiting = control.checkpoint().then(() => (passed = true));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(passed).toBe(false);
    control.resume();
    await waiting;
    expect(passed).toBe(true);
    control.pause();
    const cancelled = control.checkpoint();
    control.cancel.cancel();
    await expect(cancelled).rejects.toThrow('Cancelled');
  });
});

describe('safetensors writer', () => {
  it('writes an 8-aligned JSON header with offsets, then the little-endian data', () => {
    const bytes = encodeSafetensors([
      { name: 'a', shape: [2], values: Float32Array.from([1, 2]) },
      { name: 'b', shape: [1, 1], values: Float32Array.from([-3]) },
    ], { format: 'pt' });
    const view = new DataView(bytes.buffer);
    const headerLength = Number(view.getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header.b).toEqual({ dtype: 'F32', shape: [1, 1], data_offsets: [8, 12] });
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect(view.getFloat32(8 + headerLength + 8, true)).toBe(-3);
    expect(() => encodeSafetensors([{ name: 'x', shape: [3], values: new Float32Array(2) }])).toThrow(/2 values/);
  });
});
