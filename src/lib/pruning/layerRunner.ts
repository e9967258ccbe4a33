import { CalibrationStatsAccumulator, type CalibrationStats } from './calibrationStats.ts';
import type { ResidentStats } from './residentStats.ts';
import type { PrunableLayer } from './structure.ts';

/**
 * What the pruning pipeline needs from a model (issue #4 ⇄ the OPT runtime of issue #3). The pipeline
 * never changes the model: it reads each layer's weights, runs layers (dense, or with pruned weights
 * passed in for that one call) and returns the pruned layers. Installing them is a separate step
 * (`applyPrunedLayers`), so a cancelled or failed run leaves the model exactly as it was.
 *
 * `Hidden` is whatever the model keeps between layers for one calibration window (a Float32Array
 * [T, d] on the CPU, a GPU buffer in a WebGPU runtime). `Activation` is how the captured consumer
 * inputs are handed over; it must match the `StatsFactory` the pipeline is given (Float32Array for the
 * CPU accumulator).
 */
export interface LayerRunner<Hidden, Activation = Float32Array> {
  readonly numLayers: number;
  /** Token ids of one calibration window → the hidden states entering layer 0 ([T, d]). */
  embed(tokens: Int32Array): Promise<Hidden>;
  /** Layer `layer`'s two coupled groups in HF layout. The pipeline only reads them. */
  getLayer(layer: number): Promise<PrunableLayer>;
  /**
   * Runs decoder layer `layer` on one window and returns the hidden states entering layer + 1. The
   * input must stay valid (the pipeline runs a layer twice on it). `weights` replaces the layer's
   * coupled groups for this call only (any widths, any per-head value widths); `capture` receives
   * out_proj's input [T, V] and fc2's input [T, F] (after the ReLU) of this window, as computed.
   */
  runLayer(layer: number, hidden: Hidden, options?: RunLayerOptions<Activation>): Promise<Hidden>;
  /**
   * Optional: runs layer `layer` (dense) on one window only as far as `capture` needs — the calibration
   * pass, whose outputs are never used. Without it the pipeline calls `runLayer` and drops the output.
   */
  captureLayer?(layer: number, hidden: Hidden, capture: LayerCapture<Activation>): Promise<void>;
  /** Frees hidden states the pipeline no longer needs (GPU buffers, say). */
  release?(hidden: Hidden): void;
  /** Installs a layer's pruned groups for good. Only `applyPrunedLayers` calls it, after pruning. */
  setLayer(layer: number, weights: PrunableLayer): Promise<void>;
}

export interface RunLayerOptions<Activation> {
  weights?: PrunableLayer;
  capture?: LayerCapture<Activation>;
  /**
   * With `weights`: the value channels (ascending) that `weights.attention` kept of the dense layer
   * whose `captureLayer` ran last on this same input. A runner that kept that pass's attention output
   * may reuse those columns of it (the producer rows are the dense ones, so they are equal) instead
   * of recomputing q, k, v and attention.
   */
  attentionKept?: Int32Array;
}

export interface LayerCapture<Activation> {
  /** Input of out_proj: the attention output per value channel, heads concatenated [rows, V]. */
  outProjInput?(x: Activation, rows: number): void | Promise<void>;
  /** Input of fc2: ReLU(fc1(LN(h))) [rows, F]. */
  fc2Input?(x: Activation, rows: number): void | Promise<void>;
}

/** Streams one consumer's inputs into calibration statistics (CPU float64, or on the GPU). */
export interface StatsSink<Activation> {
  add(x: Activation, rows: number): void | Promise<void>;
  finish(): Promise<CalibrationStats>;
  /**
   * Optional, instead of `finish`: the statistics stay where they are (a GPU) and the group is pruned
   * there (residentStats.ts). The pipeline calls it only for methods that need nothing else of them.
   */
  finishResident?(): Promise<ResidentStats>;
}

export type StatsFactory<Activation> = (width: number, options: { gram: boolean }) => StatsSink<Activation>;

export const cpuStatsFactory: StatsFactory<Float32Array> = (width, options) => {
  const accumulator = new CalibrationStatsAccumulator(width, options);
  return {
    add: (x, rows) => accumulator.add(x, rows),
    finish: async () => accumulator.finish(),
  };
};

/** Installs pruned layers into a model (after `prune` has returned). */
export async function applyPrunedLayers<H, A>(runner: LayerRunner<H, A>, layers: readonly PrunableLayer[]): Promise<void> {
  for (let layer = 0; layer < layers.length; layer++) await runner.setLayer(layer, layers[layer]);
}
