import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EMBEDDED_MODEL_DIR, modelFilesFor } from '../../src/cli/commands/optModel.ts';
import { readCompanionFiles, type ExportableModel } from '../../src/lib/export/exportableModel.ts';
import { magnitudeChannels, pruneChannels, type SizedModel } from '../../src/lib/export/widthChanges.ts';
import { parseOptConfig } from '../../src/lib/opt/config.ts';
import { parseSafetensors } from '../../src/lib/opt/safetensors.ts';
import { loadOptWeights } from '../../src/lib/opt/weights.ts';

/** The embedded mini-OPT, and a pruned version of it with uneven per-head value widths and an empty head. */
export async function embeddedModel(): Promise<ExportableModel> {
  const config = parseOptConfig(JSON.parse(readFileSync(path.join(EMBEDDED_MODEL_DIR, 'config.json'), 'utf8')));
  const weights = await loadOptWeights(config, [parseSafetensors(readFileSync(path.join(EMBEDDED_MODEL_DIR, 'model.safetensors')))]);
  return { config, weights, companionFiles: await readCompanionFiles(modelFilesFor('embedded')), label: 'the embedded mini-OPT' };
}

/**
 * Magnitude pruning at s = 0.3 (which leaves the heads uneven), then every value channel of head 1 in
 * layer 0 dropped as well, and layer 2's FFN cut to 5 channels.
 */
export function prunedEmbedded(model: ExportableModel): ExportableModel {
  const selection = magnitudeChannels(model, 0.3);
  const { headDim } = model.config;
  selection.value[0] = selection.value[0].filter((c) => c < headDim || c >= 2 * headDim);
  selection.ffn[2] = selection.ffn[2].subarray(0, 5);
  const pruned: SizedModel = pruneChannels(model, selection);
  return { ...model, ...pruned, label: `${model.label}, pruned` };
}
