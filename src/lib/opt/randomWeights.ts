import type { Rng } from '../util/random.ts';
import { hasFinalLayerNorm, hasProjections, POSITION_OFFSET, type OptConfig } from './config.ts';
import { linearShapes, type LayerNormParams, type Linear, type OptLayerWeights, type OptWeights } from './weights.ts';

/**
 * Random OPT weights of any config's shapes (pruned widths included), seeded: tests compare backends
 * on them, and the benchmark builds an OPT-125M-shaped model without downloading one. Scales keep
 * activations O(1) through the layers, like a trained model's.
 */
export function randomOptWeights(config: OptConfig, rng: Rng, std = 0.05): OptWeights {
  const H = config.hiddenSize;
  const Dw = config.wordEmbedProjDim;
  const normal = (n: number, scale = std) => rng.fillNormal(new Float32Array(n), scale);
  const norm = (): LayerNormParams =>
    config.layerNormAffine
      ? { weight: normal(H, 0.1).map((v) => 1 + v), bias: normal(H, 0.1) }
      : { weight: null, bias: null };
  const linear = ([outFeatures, inFeatures]: [number, number]): Linear => ({
    weight: normal(outFeatures * inFeatures, 1 / Math.sqrt(Math.max(1, inFeatures))),
    bias: config.enableBias ? normal(outFeatures, 0.05) : null,
    outFeatures,
    inFeatures,
  });
  const layers: OptLayerWeights[] = Array.from({ length: config.numLayers }, (_, l) => {
    const shapes = linearShapes(config, l);
    return {
      selfAttnLayerNorm: norm(),
      qProj: linear(shapes['self_attn.q_proj']),
      kProj: linear(shapes['self_attn.k_proj']),
      vProj: linear(shapes['self_attn.v_proj']),
      outProj: linear(shapes['self_attn.out_proj']),
      finalLayerNorm: norm(),
      fc1: linear(shapes.fc1),
      fc2: linear(shapes.fc2),
    };
  });
  return {
    embedTokens: normal(config.vocabSize * Dw, 0.5),
    embedPositions: normal((config.maxPositions + POSITION_OFFSET) * H, 0.1),
    projectIn: hasProjections(config) ? normal(H * Dw, 1 / Math.sqrt(Dw)) : null,
    projectOut: hasProjections(config) ? normal(Dw * H, 1 / Math.sqrt(H)) : null,
    finalLayerNorm: hasFinalLayerNorm(config) ? norm() : null,
    layers,
  };
}
