import type { ExportableModel } from '../../src/lib/export/exportableModel.ts';
import { magnitudeChannels, pruneChannels, type SizedModel } from '../../src/lib/export/widthChanges.ts';

/**
 * A pruned version of a model with uneven per-head value widths and an empty head, for the export
 * tests in Node and in the browser: magnitude pruning at s = 0.3 (which leaves the heads uneven), then
 * every value channel of head 1 in layer 0 dropped as well, and layer 2's FFN cut to 5 channels.
 */
export function prunedEmbedded(model: ExportableModel): ExportableModel {
  const selection = magnitudeChannels(model, 0.3);
  const { headDim } = model.config;
  selection.value[0] = selection.value[0].filter((c) => c < headDim || c >= 2 * headDim);
  selection.ffn[2] = selection.ffn[2].subarray(0, 5);
  const pruned: SizedModel = pruneChannels(model, selection);
  return { ...model, ...pruned, label: `${model.label}, pruned` };
}
