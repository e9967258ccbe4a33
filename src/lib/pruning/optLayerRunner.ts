import { InputError } from '../errors.ts';
import type { Activations, OptRuntime } from '../opt/runtime.ts';
import type { Linear, OptLayerWeights } from '../opt/weights.ts';
import type { LayerCapture, LayerRunner, RunLayerOptions } from './layerRunner.ts';
import type { CoupledGroup, PrunableLayer } from './structure.ts';

/**
 * The OPT runtime (src/lib/opt/runtime.ts, either backend) as the pruning pipeline's LayerRunner.
 *
 * - A calibration "window" handed to `prune` may hold several windows of `seqLen` tokens back to back:
 *   they run as one batch (bigger products, fewer calls), and the captured activations of the whole
 *   batch stream into the statistics at once.
 * - `runLayer(l, x, {weights})` swaps the pruned groups into the runtime and leaves them there until a
 *   call asks for other weights of that layer: the pipeline runs each layer on every window with the
 *   same weights, so a layer is swapped once, not once per window. `restoreDense()` puts the dense
 *   layers back: call it in a `finally` (pruneModel.ts does), so a cancelled or failed run leaves the
 *   model as it was.
 * - Captured consumer inputs reach the statistics as Float32Array (`runtime.read`: the CPU runtime's
 *   own array, a read-back on WebGPU), so either backend can take either statistics; or, with
 *   `activationsOnDevice`, as the runtime's own handles (GPU buffers on WebGPU), never read back: then
 *   the statistics must take those (the worker's WGSL ones do, src/kernels/pruning/gpuPruneKernels.ts).
 * - Calibration runs through `captureLayer` (the runtime's `captureInputs`: no fc2, no output). On the
 *   CPU runtime the dense attention output of each window is kept until that window's propagation,
 *   which reuses its kept columns (`attentionKept`) instead of recomputing q, k, v and attention: the
 *   pruned v_proj is the dense one's kept rows, so the columns are the same numbers. It costs one
 *   [tokens, vDim] array per window of the current layer.
 * - The runtime's null biases (`enable_bias: false`) become zeros for the pipeline and null again when
 *   pruned weights go back in (a method that changed such a bias is refused: the model cannot hold it).
 */
export interface OptLayerRunnerOptions {
  /** Hand captured inputs to the statistics as the runtime's handles instead of reading them back. */
  activationsOnDevice?: boolean;
}

export class OptLayerRunner<H> implements LayerRunner<Activations<H>, Float32Array | H> {
  /** Each layer's weights before any swap (or as last installed for good), with its per-head value widths. */
  private readonly dense = new Map<number, { weights: OptLayerWeights; vHeadDims: number[] }>();
  /** The pruned groups currently swapped into each layer (absent: dense). */
  private readonly swapped = new Map<number, PrunableLayer>();
  /**
   * The dense attention output of each window of the last two `captureLayer` layers (CPU runtime only:
   * the only one that can take it back), for `runLayer` with `attentionKept` to reuse once. Two: the
   * pipeline calibrates layer l + 1 on a window as soon as that window has left the pruned layer l, while
   * the later windows still wait for layer l.
   */
  private denseAttention = new Map<number, Map<Activations<H>, Float32Array>>();

  constructor(
    readonly runtime: OptRuntime<H>,
    readonly seqLen: number,
    private readonly options: OptLayerRunnerOptions = {},
  ) {
    if (!Number.isInteger(seqLen) || seqLen < 1 || seqLen > runtime.config.maxPositions) {
      throw new InputError(`The calibration window length must be an integer in [1, ${runtime.config.maxPositions}] (the model's positions)`, `got ${seqLen}`);
    }
  }

  get numLayers(): number {
    return this.runtime.config.numLayers;
  }

  async embed(tokens: Int32Array): Promise<Activations<H>> {
    if (tokens.length === 0 || tokens.length % this.seqLen !== 0) {
      throw new InputError(`A calibration batch has ${tokens.length} tokens, not a multiple of the window length ${this.seqLen}`);
    }
    const vocab = this.runtime.config.vocabSize;
    for (const id of tokens) if (!(id >= 0 && id < vocab)) throw new InputError(`Calibration token id ${id} is outside the vocabulary of ${vocab}`);
    return this.runtime.embed(tokens, { batch: tokens.length / this.seqLen, seqLen: this.seqLen });
  }

  async getLayer(layer: number): Promise<PrunableLayer> {
    const dense = await this.denseLayer(layer);
    return toPrunable(dense.weights, dense.vHeadDims);
  }

  async runLayer(layer: number, hidden: Activations<H>, options: RunLayerOptions<Float32Array | H> = {}): Promise<Activations<H>> {
    await this.install(layer, options.weights);
    const capture = options.capture;
    const attentionOutput = options.weights && options.attentionKept ? this.takeDenseAttention(layer, hidden, options.attentionKept) : undefined;
    const result = await this.runtime.layer(layer, hidden, { capture: { outProjInput: Boolean(capture?.outProjInput), fc2Input: Boolean(capture?.fc2Input) }, attentionOutput });
    try {
      await this.deliver(result, capture, hidden.batch * hidden.seqLen);
    } finally {
      this.runtime.release(result.outProjInput, result.fc2Input);
    }
    return result.hidden;
  }

  /** The runtime's `captureInputs` where it has one (no fc2, no output), else the whole layer. */
  async captureLayer(layer: number, hidden: Activations<H>, capture: LayerCapture<Float32Array | H>): Promise<void> {
    if (!this.runtime.captureInputs) {
      this.runtime.release(await this.runLayer(layer, hidden, { capture }));
      return;
    }
    await this.install(layer, undefined);
    const wanted = { outProjInput: Boolean(capture.outProjInput), fc2Input: Boolean(capture.fc2Input) };
    const result = await this.runtime.captureInputs(layer, hidden, wanted);
    try {
      await this.deliver(result, capture, hidden.batch * hidden.seqLen);
      for (const kept of this.denseAttention.keys()) if (kept !== layer && kept !== layer - 1) this.denseAttention.delete(kept);
      if (result.outProjInput && this.runtime.backend === 'cpu') {
        const byWindow = this.denseAttention.get(layer) ?? new Map<Activations<H>, Float32Array>();
        this.denseAttention.set(layer, byWindow);
        byWindow.set(hidden, await this.runtime.read(result.outProjInput));
      }
    } finally {
      this.runtime.release(result.outProjInput, result.fc2Input);
    }
  }

  /** Columns `kept` of the dense attention output kept for this window of this layer (then forgotten), if any. */
  private takeDenseAttention(layer: number, hidden: Activations<H>, kept: Int32Array): Float32Array | undefined {
    const byWindow = this.denseAttention.get(layer);
    const dense = byWindow?.get(hidden);
    if (!byWindow || !dense) return undefined;
    byWindow.delete(hidden);
    const rows = hidden.batch * hidden.seqLen;
    const width = dense.length / rows;
    const out = new Float32Array(rows * kept.length); // [rows, |K|]
    for (let r = 0; r < rows; r++) for (let c = 0; c < kept.length; c++) out[r * kept.length + c] = dense[r * width + kept[c]];
    return out;
  }

  private async deliver(result: { outProjInput?: Activations<H>; fc2Input?: Activations<H> }, capture: LayerCapture<Float32Array | H> | undefined, rows: number): Promise<void> {
    const onDevice = this.options.activationsOnDevice && this.runtime.backend !== 'cpu';
    const handOver = async (x: Activations<H>) => (onDevice ? x.data : await this.runtime.read(x));
    if (result.outProjInput && capture?.outProjInput) await capture.outProjInput(await handOver(result.outProjInput), rows);
    if (result.fc2Input && capture?.fc2Input) await capture.fc2Input(await handOver(result.fc2Input), rows);
  }

  release(hidden: Activations<H>): void {
    this.runtime.release(hidden);
  }

  /** Installs pruned groups for good (after `prune` returned): they become this runner's dense layer. */
  async setLayer(layer: number, weights: PrunableLayer): Promise<void> {
    const merged = withGroups((await this.denseLayer(layer)).weights, weights, this.runtime.config.enableBias, layer);
    await this.runtime.setLayerWeights(layer, merged, weights.attention.vHeadDims);
    this.dense.set(layer, { weights: merged, vHeadDims: [...weights.attention.vHeadDims] });
    this.swapped.delete(layer);
  }

  /** Puts every swapped layer's dense weights back. */
  async restoreDense(): Promise<void> {
    this.denseAttention.clear();
    for (const layer of [...this.swapped.keys()]) await this.install(layer, undefined);
  }

  private async denseLayer(layer: number): Promise<{ weights: OptLayerWeights; vHeadDims: number[] }> {
    let dense = this.dense.get(layer);
    if (!dense) {
      if (this.swapped.has(layer)) throw new Error(`layer ${layer} was swapped before its dense weights were read`);
      dense = { weights: await this.runtime.getLayerWeights(layer), vHeadDims: [...this.runtime.config.vHeadDims[layer]] };
      this.dense.set(layer, dense);
    }
    return dense;
  }

  private async install(layer: number, weights: PrunableLayer | undefined): Promise<void> {
    if (this.swapped.get(layer) === weights) return;
    const dense = await this.denseLayer(layer);
    if (weights) {
      await this.runtime.setLayerWeights(layer, withGroups(dense.weights, weights, this.runtime.config.enableBias, layer), weights.attention.vHeadDims);
      this.swapped.set(layer, weights);
    } else {
      await this.runtime.setLayerWeights(layer, dense.weights, dense.vHeadDims);
      this.swapped.delete(layer);
    }
  }
}

function toPrunable(weights: OptLayerWeights, vHeadDims: readonly number[]): PrunableLayer {
  const group = (producer: Linear, consumer: Linear): CoupledGroup => ({
    width: producer.outFeatures,
    hiddenSize: producer.inFeatures,
    producerWeight: producer.weight,
    producerBias: producer.bias ?? new Float32Array(producer.outFeatures),
    consumerWeight: consumer.weight,
    consumerBias: consumer.bias ?? new Float32Array(consumer.outFeatures),
  });
  return { ffn: group(weights.fc1, weights.fc2), attention: { ...group(weights.vProj, weights.outProj), vHeadDims: [...vHeadDims] } };
}

/** The layer's weights with its two coupled groups replaced. */
export function withGroups(weights: OptLayerWeights, groups: PrunableLayer, enableBias: boolean, layer: number): OptLayerWeights {
  const bias = (values: Float32Array, name: string): Float32Array | null => {
    if (enableBias) return values;
    if (values.some((v) => v !== 0)) {
      throw new InputError(`Layer ${layer} ${name}: this model has no biases (enable_bias: false), so the method's bias change cannot be stored`, 'use a method without bias compensation, or turn the bias refit off');
    }
    return null;
  };
  const linear = (weight: Float32Array, biasValues: Float32Array, outFeatures: number, inFeatures: number, name: string): Linear => ({
    weight,
    bias: bias(biasValues, name),
    outFeatures,
    inFeatures,
  });
  const { ffn, attention } = groups;
  return {
    ...weights,
    vProj: linear(attention.producerWeight, attention.producerBias, attention.width, attention.hiddenSize, 'v_proj'),
    outProj: linear(attention.consumerWeight, attention.consumerBias, attention.hiddenSize, attention.width, 'out_proj'),
    fc1: linear(ffn.producerWeight, ffn.producerBias, ffn.width, ffn.hiddenSize, 'fc1'),
    fc2: linear(ffn.consumerWeight, ffn.consumerBias, ffn.hiddenSize, ffn.width, 'fc2'),
  };
}
