import type { OptConfig } from './config.ts';
import type { OptLayerWeights } from './weights.ts';

/**
 * The layer-level OPT API that both backends implement (the fast CPU path in src/lib/opt/cpu/ and the
 * WebGPU path in src/kernels/opt/), and that perplexity, generation and the structured-pruning
 * pipeline drive. It is deliberately small:
 *
 *   embed(ids)            token ids → hidden states (token embedding, project_in, learned positions)
 *   layer(l, x, …)        decoder layer l on a batch of hidden states, optionally capturing
 *                         out_proj's input and fc2's input (what pruning needs), optionally with a KV cache
 *   logits(x) / nll(x, t) final layer norm, project_out and the tied LM head, chunked over the vocabulary
 *   get/setLayerWeights   a layer's weights as HF-layout Float32Arrays, and swapping in pruned ones
 *
 * Activations are opaque handles (`H`: a Float32Array on the CPU path, a GPUBuffer on WebGPU) so a
 * pipeline can keep them on the device between layers; `read` brings one to the CPU and `release`
 * frees it (a no-op on the CPU path). Calls never consume their inputs.
 *
 * A layer-by-layer pass as a pruning pipeline drives it (calibration windows `ids` [batch·seqLen]):
 *
 *   let x = await runtime.embed(ids, { batch, seqLen });
 *   for (let l = 0; l < runtime.config.numLayers; l++) {
 *     const { hidden, outProjInput, fc2Input } = await runtime.layer(l, x, { capture: { outProjInput: true, fc2Input: true } });
 *     const weights = await runtime.getLayerWeights(l);         // HF layout, [out, in]
 *     const pruned = prune(weights, await runtime.read(outProjInput!), await runtime.read(fc2Input!));
 *     await runtime.setLayerWeights(l, pruned.weights, pruned.vHeadDims);
 *     runtime.release(outProjInput, fc2Input, hidden);
 *     const next = (await runtime.layer(l, x)).hidden;           // the pruned layer's output feeds layer l + 1
 *     runtime.release(x);
 *     x = next;
 *   }
 *   const nll = await runtime.nll(x, targets);
 */
export type OptBackendName = 'cpu' | 'webgpu';

/** Row-major activations [batch·seqLen, width]: `seqLen` tokens of each of `batch` sequences. */
export interface Activations<H> {
  data: H;
  batch: number;
  seqLen: number;
  width: number;
}

export interface LayerCaptures {
  /** The concatenated per-head attention outputs [batch·seqLen, vDim]: out_proj's input. */
  outProjInput?: boolean;
  /** ReLU(fc1(·)) [batch·seqLen, ffnDim]: fc2's input. */
  fc2Input?: boolean;
}

export interface LayerResult<H> {
  hidden: Activations<H>;
  outProjInput?: Activations<H>;
  fc2Input?: Activations<H>;
}

/**
 * Keys and values of earlier positions for incremental decoding. Made by `createKvCache`; each
 * `layer(l, x, { cache })` call appends x's keys and values for layer l, and `advance` is called once
 * per step after the last layer.
 */
export interface KvCache {
  readonly batch: number;
  /** Positions the cache can hold (≤ the model's max positions). */
  readonly capacity: number;
  /** Positions already stored (the next token's position). */
  readonly length: number;
  advance(tokens: number): void;
  dispose(): void;
}

export interface LayerOptions {
  capture?: LayerCaptures;
  cache?: KvCache;
  /**
   * CPU runtime only (others ignore it): out_proj's input [rows, vDim] for x, already computed — by a
   * pruning pipeline's calibration pass on the same x, whose q/k/v differ from this layer's only by
   * dropped value channels. The layer then skips q, k, v and attention. It must equal what the layer
   * would compute; no KV cache with it.
   */
  attentionOutput?: Float32Array;
}

export interface OptRuntime<H = unknown> {
  readonly backend: OptBackendName;
  /** The current config; per-layer widths change when pruned layers are swapped in. */
  readonly config: OptConfig;

  /** ids [batch·seqLen] → hidden [batch·seqLen, hidden]; token t sits at position positionOffset + t. */
  embed(ids: Int32Array, shape: { batch: number; seqLen: number; positionOffset?: number }): Promise<Activations<H>>;
  /** Decoder layer `layer` (0-based) on x; returns new activations (x is left as it was). */
  layer(layer: number, x: Activations<H>, options?: LayerOptions): Promise<LayerResult<H>>;
  /**
   * Optional: decoder layer `layer` on x only as far as the captured inputs — fc2 and the output are
   * not computed (a third of the layer's products): what a pruning calibration pass needs. Where a
   * runtime lacks it, callers run `layer` and drop `hidden`.
   */
  captureInputs?(layer: number, x: Activations<H>, capture: LayerCaptures): Promise<Omit<LayerResult<H>, 'hidden'>>;
  /** Logits [rows, vocab] after the final norm and head; `lastPositionOnly` keeps each sequence's last row. */
  logits(x: Activations<H>, options?: { lastPositionOnly?: boolean }): Promise<Float32Array>;
  /** −log p(targets[r] | row r) for every row of x, the vocabulary processed in chunks. */
  nll(x: Activations<H>, targets: Int32Array): Promise<Float32Array>;

  read(x: Activations<H>): Promise<Float32Array>;
  upload(data: Float32Array, shape: { batch: number; seqLen: number; width: number }): Activations<H>;
  release(...xs: (Activations<H> | undefined)[]): void;

  /** Layer l's weights in HF layout ([out, in] row-major), copied out of the backend. */
  getLayerWeights(layer: number): Promise<OptLayerWeights>;
  /**
   * Replaces layer l's weights (e.g. pruned, smaller matrices) and re-uploads them. `vHeadDims` gives
   * the kept value channels per head when v_proj/out_proj shrank (default: unchanged). The FFN width
   * is taken from fc1's shape. Throws RangeError when shapes disagree.
   */
  setLayerWeights(layer: number, weights: OptLayerWeights, vHeadDims?: readonly number[]): Promise<void>;

  createKvCache(batch: number, capacity: number): KvCache;
  /** Bytes the weights occupy in this backend. */
  readonly weightBytes: number;
  dispose(): void;
}

/** The config after swapping layer l's widths (shared by both backends' setLayerWeights). */
export function configWithLayerWidths(config: OptConfig, layer: number, weights: OptLayerWeights, vHeadDims?: readonly number[]): OptConfig {
  if (!Number.isInteger(layer) || layer < 0 || layer >= config.numLayers) throw new RangeError(`layer ${layer} is not in 0…${config.numLayers - 1}`);
  const heads = vHeadDims ? [...vHeadDims] : [...config.vHeadDims[layer]];
  if (heads.length !== config.numHeads || heads.some((v) => !Number.isInteger(v) || v < 0 || v > config.headDim)) {
    throw new RangeError(`vHeadDims must give ${config.numHeads} widths in [0, ${config.headDim}], got [${heads}]`);
  }
  const ffnDims = [...config.ffnDims];
  ffnDims[layer] = weights.fc1.outFeatures;
  const vHeadDimsAll = config.vHeadDims.map((row, l) => (l === layer ? heads : [...row]));
  return { ...config, ffnDims, vHeadDims: vHeadDimsAll, vDims: vHeadDimsAll.map((row) => row.reduce((a, b) => a + b, 0)) };
}
