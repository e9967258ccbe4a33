import { checkpoint, neverCancelled, type CancelFlag } from '../../cancel.ts';
import { InputError } from '../../errors.ts';
import { matmulCpu } from '../../linalg/matmul.ts';
import type { ProgressCallback } from '../../progress.ts';
import { hasProjections, type OptConfig } from '../../opt/config.ts';
import type { LayerNormParams, Linear, OptWeights } from '../../opt/weights.ts';
import { validateSparsity } from '../topK.ts';
import { addInPlace, rmsNormRows, slicedAttention, slicedEmbed, slicedFeedForward, type SlicedOptLayer, type SlicedOptModel } from './slicedModel.ts';
import { symmetricEigen } from './symmetricEigen.ts';

/**
 * SliceGPT (Ashkboos et al. 2024), the third comparator of the FASP paper, for pre-LN OPT models.
 *
 * 1. LayerNorm → RMSNorm (the paper's §3.2). LN(x) = RMSN(M x)·diag(α) + β with M = I − 11ᵀ/d. Every
 *    matrix that writes into the residual stream (token and position tables, out_proj, fc2, with
 *    their biases) is centred by M, so the residual itself has zero mean and its LayerNorms reduce to
 *    RMSN; α and β move into the linear layers that read the norm's output:
 *      W ← W·diag(α),  b ← b + W·β     (q/k/v_proj after the attention norm, fc1 after the MLP norm)
 *      W_head = E·diag(α_f),  b_head = E·β_f   (the final norm and the tied head)
 *    The folded model computes the same logits (up to rounding): `foldLayerNorms`.
 * 2. Rotate: before each block's norm the residual is rotated by Q, the eigenvectors of
 *    C = Σ_tokens x xᵀ of the calibration activations there (PCA without centring), eigenvalues
 *    descending. RMSN(x Q) = RMSN(x) Q for an orthogonal Q, so readers take W ← W Q, writers W ← Qᵀ W,
 *    b ← Qᵀ b, the tables E ← E Q, and a residual connection between blocks with bases Q_a, Q_b carries
 *    x Q_a ↦ x Q_b = (x Q_a)(Q_aᵀ Q_b).
 * 3. Slice: keep the first d' = d − round(s·d) columns of every Q (the directions of largest
 *    variance). The residual stream is d' wide, readers lose input columns, writers output rows,
 *    the shortcuts are d'×d' and the tables d' columns.
 * The Q's are computed one after another on the sliced model's own activations (as the authors' code
 * does): the signal before block l's MLP norm is the sliced residual mapped back, x̃ Q_aᵀ, plus the
 * attention output, so each PCA sees the errors of the slicing before it.
 *
 * Not done (as in the paper's main results, no recovery fine-tuning). SliceGPT's runtime cost: the
 * d'×d' shortcut products, and an untied LM head with a vocabulary-sized bias.
 */
export interface SliceGptOptions {
  /** Fraction of the hidden size deleted, in [0, 0.9]. */
  sparsity: number;
}

export interface SliceGptResult {
  model: SlicedOptModel;
  /** Per rotation (embeddings, then MLP input and next-block input of each layer): share of Σλ kept. */
  retainedVariance: number[];
  calibrationTokens: number;
}

export function checkSliceable(config: OptConfig): void {
  if (!config.doLayerNormBefore) throw new InputError('SliceGPT needs a pre-LN OPT model', 'post-LN models (opt-350m) put a LayerNorm on the residual stream itself, which no rotation can pass');
  if (hasProjections(config)) throw new InputError('SliceGPT here supports OPT models whose embedding width equals hidden_size', 'project_in/project_out (opt-350m) are not handled');
}

/** x · diag(α) on the columns of W [rows, cols], and b + W·β. */
function foldNormInto(linear: Linear, norm: LayerNormParams): Linear {
  const { outFeatures: rows, inFeatures: cols } = linear;
  const weight = linear.weight.slice();
  const bias = linear.bias ? linear.bias.slice() : new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let shift = 0;
    for (let c = 0; c < cols; c++) {
      shift += linear.weight[r * cols + c] * (norm.bias?.[c] ?? 0);
      weight[r * cols + c] *= norm.weight?.[c] ?? 1;
    }
    bias[r] += shift;
  }
  return { weight, bias, outFeatures: rows, inFeatures: cols };
}

/** M W and M b for a writer [d, cols]: every column (and the bias) minus its mean over the d outputs. */
function centreWriter(linear: Linear): Linear {
  const { outFeatures: d, inFeatures: cols } = linear;
  const weight = linear.weight.slice();
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < d; r++) mean += weight[r * cols + c];
    mean /= d;
    for (let r = 0; r < d; r++) weight[r * cols + c] -= mean;
  }
  const bias = linear.bias ? linear.bias.slice() : new Float32Array(d);
  const biasMean = bias.reduce((a, b) => a + b, 0) / d;
  for (let r = 0; r < d; r++) bias[r] -= biasMean;
  return { weight, bias, outFeatures: d, inFeatures: cols };
}

/** Rows of a table [rows, d] minus their means (E M). */
function centreRows(table: Float32Array, d: number): Float32Array {
  const out = table.slice();
  for (let r = 0; r < out.length / d; r++) {
    let mean = 0;
    for (let c = 0; c < d; c++) mean += out[r * d + c];
    mean /= d;
    for (let c = 0; c < d; c++) out[r * d + c] -= mean;
  }
  return out;
}

function identity(d: number): Float32Array {
  const out = new Float32Array(d * d);
  for (let i = 0; i < d; i++) out[i * d + i] = 1;
  return out;
}

/** Step 1: the same function with parameter-free RMSNorms (a SlicedOptModel with d' = d and identity shortcuts). */
export function foldLayerNorms(config: OptConfig, weights: OptWeights): SlicedOptModel {
  checkSliceable(config);
  const d = config.hiddenSize;
  const final = weights.finalLayerNorm!;
  const lmHead = weights.embedTokens.slice();
  const lmHeadBias = new Float32Array(config.vocabSize);
  for (let v = 0; v < config.vocabSize; v++) {
    let shift = 0;
    for (let c = 0; c < d; c++) {
      shift += weights.embedTokens[v * d + c] * (final.bias?.[c] ?? 0);
      lmHead[v * d + c] *= final.weight?.[c] ?? 1;
    }
    lmHeadBias[v] = shift;
  }
  return {
    config,
    slicedDim: d,
    embedTokens: centreRows(weights.embedTokens, d),
    embedPositions: centreRows(weights.embedPositions, d),
    lmHead,
    lmHeadBias,
    layers: weights.layers.map((layer) => ({
      attnShortcut: identity(d),
      qProj: foldNormInto(layer.qProj, layer.selfAttnLayerNorm),
      kProj: foldNormInto(layer.kProj, layer.selfAttnLayerNorm),
      vProj: foldNormInto(layer.vProj, layer.selfAttnLayerNorm),
      outProj: centreWriter(layer.outProj),
      mlpShortcut: identity(d),
      fc1: foldNormInto(layer.fc1, layer.finalLayerNorm),
      fc2: centreWriter(layer.fc2),
    })),
  };
}

/** The first `keep` columns of the eigenvectors of C = Σ xᵀx, and the share of Σλ they carry. */
function principalBasis(covariance: Float64Array, d: number, keep: number): { basis: Float32Array; retained: number } {
  const { values, vectors } = symmetricEigen(covariance, d);
  const basis = new Float32Array(d * keep); // [d, keep]
  for (let r = 0; r < d; r++) for (let j = 0; j < keep; j++) basis[r * keep + j] = vectors[r * d + j];
  const total = values.reduce((a, b) => a + Math.max(0, b), 0);
  const kept = values.subarray(0, keep).reduce((a, b) => a + Math.max(0, b), 0);
  return { basis, retained: total > 0 ? kept / total : 1 };
}

function accumulateGram(covariance: Float64Array, x: Float32Array, rows: number, d: number): void {
  const gram = matmulCpu(x, x, { m: d, n: d, k: rows, transA: true }); // xᵀx [d, d]
  for (let i = 0; i < d * d; i++) covariance[i] += gram[i];
}

/** A reader W [out, d] in the new basis: W Q [out, d']. */
function rotateReader(linear: Linear, basis: Float32Array, d: number, keep: number): Linear {
  const weight = matmulCpu(linear.weight, basis, { m: linear.outFeatures, n: keep, k: d }); // [out, d']
  return { weight, bias: linear.bias, outFeatures: linear.outFeatures, inFeatures: keep };
}

/** A writer W [d, in] in the new basis: Qᵀ W [d', in], b Q. */
function rotateWriter(linear: Linear, basis: Float32Array, d: number, keep: number): Linear {
  const weight = matmulCpu(basis, linear.weight, { m: keep, n: linear.inFeatures, k: d, transA: true }); // [d', in]
  const bias = matmulCpu(linear.bias ?? new Float32Array(d), basis, { m: 1, n: keep, k: d }); // [d']
  return { weight, bias, outFeatures: keep, inFeatures: linear.inFeatures };
}

/** Q_aᵀ Q_b [d', d']. */
function shortcut(from: Float32Array, to: Float32Array, d: number, keep: number): Float32Array {
  return matmulCpu(from, to, { m: keep, n: keep, k: d, transA: true });
}

/** Steps 2–3 on calibration windows (token ids, one sequence each). */
export async function sliceGpt(
  config: OptConfig,
  weights: OptWeights,
  calibration: readonly Int32Array[],
  options: SliceGptOptions,
  progress: ProgressCallback = () => {},
  cancel: CancelFlag = neverCancelled,
): Promise<SliceGptResult> {
  const sparsity = validateSparsity(options.sparsity);
  if (calibration.length === 0 || calibration.some((w) => w.length === 0)) throw new InputError('SliceGPT needs calibration windows', 'at least one non-empty window of token ids');
  const folded = foldLayerNorms(config, weights);
  const d = config.hiddenSize;
  const keep = d - Math.round(sparsity * d);
  const retainedVariance: number[] = [];
  const total = 2 * config.numLayers + 1;

  // Q_0 from the embedded calibration tokens.
  let hidden = calibration.map((ids) => slicedEmbed(folded, ids)); // each [T, d], full basis
  let covariance = new Float64Array(d * d);
  hidden.forEach((x, w) => accumulateGram(covariance, x, calibration[w].length, d));
  let { basis, retained } = principalBasis(covariance, d, keep);
  retainedVariance.push(retained);
  progress({ phase: 'rotate', done: 1, total, message: 'embeddings' });
  hidden = hidden.map((x, w) => matmulCpu(x, basis, { m: calibration[w].length, n: keep, k: d })); // [T, d']
  const sliced: SlicedOptModel = {
    config,
    slicedDim: keep,
    embedTokens: matmulCpu(folded.embedTokens, basis, { m: config.vocabSize, n: keep, k: d }),
    embedPositions: matmulCpu(folded.embedPositions, basis, { m: folded.embedPositions.length / d, n: keep, k: d }),
    lmHead: folded.lmHead,
    lmHeadBias: folded.lmHeadBias,
    layers: [],
  };

  for (let l = 0; l < config.numLayers; l++) {
    await checkpoint(cancel);
    const dense = folded.layers[l];
    const layer: SlicedOptLayer = {
      ...dense,
      qProj: rotateReader(dense.qProj, basis, d, keep),
      kProj: rotateReader(dense.kProj, basis, d, keep),
      vProj: rotateReader(dense.vProj, basis, d, keep),
    };
    sliced.layers.push(layer);

    // The signal before the MLP norm, in the original coordinates: x̃ Q_aᵀ + attention output.
    covariance = new Float64Array(d * d);
    const attnResidual = hidden.map((x, w) => {
      const T = calibration[w].length;
      const r = addInPlace(matmulCpu(x, basis, { m: T, n: d, k: keep, transB: true }), slicedAttention(sliced, l, rmsNormRows(x, T, keep, d), T, dense.outProj)); // [T, d]
      accumulateGram(covariance, r, T, d);
      return r;
    });
    const mlp = principalBasis(covariance, d, keep);
    retainedVariance.push(mlp.retained);
    layer.attnShortcut = shortcut(basis, mlp.basis, d, keep);
    layer.outProj = rotateWriter(dense.outProj, mlp.basis, d, keep);
    layer.fc1 = rotateReader(dense.fc1, mlp.basis, d, keep);
    hidden = attnResidual.map((r, w) => matmulCpu(r, mlp.basis, { m: calibration[w].length, n: keep, k: d }));
    progress({ phase: 'rotate', done: 2 * l + 2, total, message: `layer ${l + 1}/${config.numLayers}: attention` });
    await checkpoint(cancel);

    // The signal before the next block's norm: x̃ Q_mᵀ + FFN output.
    covariance = new Float64Array(d * d);
    const mlpResidual = hidden.map((x, w) => {
      const T = calibration[w].length;
      const r = addInPlace(matmulCpu(x, mlp.basis, { m: T, n: d, k: keep, transB: true }), slicedFeedForward(layer, rmsNormRows(x, T, keep, d), T, dense.fc2)); // [T, d]
      accumulateGram(covariance, r, T, d);
      return r;
    });
    ({ basis, retained } = principalBasis(covariance, d, keep));
    retainedVariance.push(retained);
    layer.mlpShortcut = shortcut(mlp.basis, basis, d, keep);
    layer.fc2 = rotateWriter(dense.fc2, basis, d, keep);
    hidden = mlpResidual.map((r, w) => matmulCpu(r, basis, { m: calibration[w].length, n: keep, k: d }));
    progress({ phase: 'rotate', done: 2 * l + 3, total, message: `layer ${l + 1}/${config.numLayers}: MLP` });
  }
  sliced.lmHead = matmulCpu(folded.lmHead, basis, { m: config.vocabSize, n: keep, k: d }); // [vocab, d']
  return { model: sliced, retainedVariance, calibrationTokens: calibration.reduce((a, w) => a + w.length, 0) };
}
