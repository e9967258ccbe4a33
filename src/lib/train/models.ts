import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/random.ts';
import { registerWasmConvFilterGrad } from './wasmConvFilterGrad.ts';

/**
 * The model factory: small image classifiers that output logits [batch, classes] (no softmax — each
 * loss applies its own link). Inputs are flat rows [batch, height·width]. Initial weights come from
 * tfjs' seeded initialisers, one seed per layer drawn from our Rng, so a seed fixes the whole model.
 * Layer names are fixed (`dense1`, `conv1`, `logits`), so weight names are stable across models.
 */
export type ModelSpec =
  /** ReLU multilayer perceptron: `hidden` sizes, then a linear layer to the classes. */
  | { kind: 'mlp'; hidden: number[] }
  /**
   * Small ReLU CNN: per entry of `filters`, a `kernelSize`² valid convolution then 2×2 max-pooling;
   * then ReLU dense layers of `hidden` sizes and a linear layer to the classes.
   */
  | { kind: 'cnn'; filters: number[]; kernelSize: number; hidden: number[] };

export interface InputShape {
  height: number;
  width: number;
  classes: number;
}

export const DEFAULT_MLP: ModelSpec = { kind: 'mlp', hidden: [256] };
export const DEFAULT_CNN: ModelSpec = { kind: 'cnn', filters: [8, 16], kernelSize: 3, hidden: [64] };

export function buildModel(spec: ModelSpec, shape: InputShape, seed: number): tf.Sequential {
  checkSpec(spec);
  registerWasmConvFilterGrad();
  const rng = new Rng(seed);
  const layerSeed = () => rng.nextUint32();
  const model = tf.sequential();
  const pixels = shape.height * shape.width;
  if (spec.kind === 'cnn') {
    model.add(tf.layers.reshape({ targetShape: [shape.height, shape.width, 1], inputShape: [pixels], name: 'image' }));
    spec.filters.forEach((filters, i) => {
      model.add(tf.layers.conv2d({
        name: `conv${i + 1}`,
        filters,
        kernelSize: spec.kernelSize,
        activation: 'relu',
        kernelInitializer: tf.initializers.heUniform({ seed: layerSeed() }),
      })); // [B, H', W', filters]
      model.add(tf.layers.maxPooling2d({ name: `pool${i + 1}`, poolSize: 2 }));
    });
    model.add(tf.layers.flatten({ name: 'flatten' }));
  }
  spec.hidden.forEach((units, i) => {
    model.add(tf.layers.dense({
      name: `dense${i + 1}`,
      units,
      activation: 'relu',
      kernelInitializer: tf.initializers.heUniform({ seed: layerSeed() }),
      ...(i === 0 && spec.kind === 'mlp' ? { inputShape: [pixels] } : {}),
    })); // [B, units]
  });
  model.add(tf.layers.dense({
    name: 'logits',
    units: shape.classes,
    kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed() }),
    ...(spec.hidden.length === 0 && spec.kind === 'mlp' ? { inputShape: [pixels] } : {}),
  })); // [B, classes]
  return model;
}

/** A short label for tables: "MLP 256", "CNN 8-16 k3 · 64". */
export function describeModel(spec: ModelSpec): string {
  const hidden = spec.hidden.length ? spec.hidden.join('-') : 'linear';
  return spec.kind === 'mlp' ? `MLP ${hidden}` : `CNN ${spec.filters.join('-')} k${spec.kernelSize} · ${hidden}`;
}

function checkSpec(spec: ModelSpec): void {
  const sizes = spec.kind === 'cnn' ? [...spec.filters, ...spec.hidden, spec.kernelSize] : spec.hidden;
  for (const size of sizes) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`model: layer sizes must be whole numbers ≥ 1, got ${size}`);
  }
}
