import type { OptRuntime } from '../opt/runtime.ts';
import type { OptLayerWeights } from '../opt/weights.ts';

/**
 * The decoder layers of a model before any pruning, so one loaded model can be pruned many times
 * (the page's runs, the study's grid): each run starts from `restore`, and a cancelled or failed run
 * is undone the same way. Only the layers are kept: embeddings and the head are never pruned.
 */
export class DenseSnapshot {
  private constructor(private readonly layers: { weights: OptLayerWeights; vHeadDims: number[] }[]) {}

  static async take<H>(runtime: OptRuntime<H>): Promise<DenseSnapshot> {
    const layers = [];
    for (let l = 0; l < runtime.config.numLayers; l++) layers.push({ weights: await runtime.getLayerWeights(l), vHeadDims: [...runtime.config.vHeadDims[l]] });
    return new DenseSnapshot(layers);
  }

  /** Puts the dense layers back into `runtime` (the model the snapshot was taken of). */
  async restore<H>(runtime: OptRuntime<H>): Promise<void> {
    for (let l = 0; l < this.layers.length; l++) await runtime.setLayerWeights(l, this.layers[l].weights, this.layers[l].vHeadDims);
  }
}
