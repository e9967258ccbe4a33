import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.ts';
import { nodeOrt } from '../../src/lib/export/nodeOrt.ts';
import { createOnnxSession, maxRelativeError as parityError, onnxLogits, PARITY_TOLERANCE } from '../../src/lib/export/onnxRuntime.ts';
import { buildSlicedOnnxModel } from '../../src/lib/export/slicedOnnxExport.ts';
import { parseOptConfig } from '../../src/lib/opt/config.ts';
import { randomOptWeights } from '../../src/lib/opt/randomWeights.ts';
import { referenceLogits } from '../../src/lib/opt/reference.ts';
import { foldLayerNorms, sliceGpt, slicedLogits, slicedParameterCounts, symmetricEigen } from '../../src/lib/pruning/slicegpt/index.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { maxRelativeError } from '../helpers/compare.ts';

const CONFIG = parseOptConfig({ vocab_size: 60, hidden_size: 24, num_hidden_layers: 2, num_attention_heads: 4, ffn_dim: 32, max_position_embeddings: 40 });
const weights = randomOptWeights(CONFIG, new Rng(5));

function windows(count: number, length: number, vocab: number, seed: number): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => Int32Array.from({ length }, () => rng.int(vocab)));
}
const calibration = windows(4, 16, CONFIG.vocabSize, 1);
const evaluation = windows(1, 12, CONFIG.vocabSize, 9)[0];

describe('symmetricEigen (cyclic Jacobi)', () => {
  it('reconstructs A = Q Λ Qᵀ with orthonormal Q and descending eigenvalues', () => {
    const n = 9;
    const rng = new Rng(2);
    const b = Array.from({ length: n * n }, () => rng.normal());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += b[i * n + k] * b[j * n + k];
    const { values, vectors } = symmetricEigen(a, n);
    for (let j = 1; j < n; j++) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let qtq = 0;
        let rebuilt = 0;
        for (let k = 0; k < n; k++) {
          qtq += vectors[k * n + i] * vectors[k * n + j];
          rebuilt += vectors[i * n + k] * values[k] * vectors[j * n + k];
        }
        expect(qtq).toBeCloseTo(i === j ? 1 : 0, 10);
        expect(rebuilt).toBeCloseTo(a[i * n + j], 8);
      }
    }
  });
});

describe('SliceGPT', () => {
  it('folding the LayerNorms into the linear layers (RMSNorm form) leaves the logits unchanged', () => {
    const folded = foldLayerNorms(CONFIG, weights);
    expect(maxRelativeError(slicedLogits(folded, evaluation), referenceLogits(CONFIG, weights, evaluation))).toBeLessThan(1e-4);
  });

  it('rotation without slicing leaves the dense logits unchanged (≤ 1e-4 relative)', async () => {
    const { model, retainedVariance } = await sliceGpt(CONFIG, weights, calibration, { sparsity: 0 });
    expect(model.slicedDim).toBe(CONFIG.hiddenSize);
    expect(retainedVariance.every((r) => Math.abs(r - 1) < 1e-9)).toBe(true);
    // The shortcuts are rotations, not identities: the basis really changed.
    expect(maxRelativeError(model.layers[0].attnShortcut, foldLayerNorms(CONFIG, weights).layers[0].attnShortcut)).toBeGreaterThan(0.1);
    expect(maxRelativeError(slicedLogits(model, evaluation), referenceLogits(CONFIG, weights, evaluation))).toBeLessThan(1e-4);
  });

  it('slicing deletes the least-significant directions: the residual, the readers, writers, tables and shortcuts shrink as expected', async () => {
    const s = 0.25;
    const { model, retainedVariance } = await sliceGpt(CONFIG, weights, calibration, { sparsity: s });
    const d = CONFIG.hiddenSize;
    const dk = d - Math.round(s * d); // 18
    const { vocabSize: V, ffnDim: F, numLayers: L, maxPositions } = CONFIG;
    expect(model.slicedDim).toBe(dk);
    const perLayer = 3 * (d * dk + d) + (dk * d + dk) + (F * dk + F) + (dk * F + dk) + 2 * dk * dk;
    const counts = slicedParameterCounts(model);
    expect(counts.blocks).toBe(L * perLayer);
    expect(counts.embeddings).toBe(V * dk + (maxPositions + 2) * dk);
    expect(counts.head).toBe(V * dk + V);
    const rotatedOnly = slicedParameterCounts((await sliceGpt(CONFIG, weights, calibration, { sparsity: 0 })).model);
    expect(counts.total).toBeLessThan(rotatedOnly.total);
    for (const r of retainedVariance) expect(r).toBeGreaterThan(dk / d - 1e-9); // PCA keeps at least its share of the variance
    const logits = slicedLogits(model, evaluation);
    expect(logits.every(Number.isFinite)).toBe(true);
  });

  it('exported to ONNX, a sliced model reloads in ONNX Runtime and gives the reference logits (≤ 1e-4)', async () => {
    const { model } = await sliceGpt(CONFIG, weights, calibration, { sparsity: 0.25 });
    const exported = buildSlicedOnnxModel(model);
    const ort = nodeOrt();
    const session = await createOnnxSession(ort, exported.bytes.slice());
    try {
      const ids = windows(2, 10, CONFIG.vocabSize, 13);
      const got = await onnxLogits(ort, session, Int32Array.from([...ids[0], ...ids[1]]), { batch: 2, seqLen: 10 });
      const want = Float32Array.from([...slicedLogits(model, ids[0]), ...slicedLogits(model, ids[1])]);
      expect(parityError(got, want)).toBeLessThanOrEqual(PARITY_TOLERANCE);
    } finally {
      await session.release();
    }
  });

  it('refuses post-LN models and a sparsity outside [0, 0.9]', async () => {
    const postLn = parseOptConfig({ vocab_size: 60, hidden_size: 24, num_hidden_layers: 1, num_attention_heads: 4, ffn_dim: 32, max_position_embeddings: 40, do_layer_norm_before: false });
    await expect(sliceGpt(postLn, randomOptWeights(postLn, new Rng(1)), calibration, { sparsity: 0.2 })).rejects.toThrow(InputError);
    await expect(sliceGpt(CONFIG, weights, calibration, { sparsity: 0.95 })).rejects.toThrow(InputError);
  });
});
