import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EMBEDDED_MODEL_DIR, modelFilesFor } from '../../src/cli/commands/optModel.ts';
import { readCompanionFiles, type ExportableModel } from '../../src/lib/export/exportableModel.ts';
import { parseOptConfig } from '../../src/lib/opt/config.ts';
import { parseSafetensors } from '../../src/lib/opt/safetensors.ts';
import { loadOptWeights } from '../../src/lib/opt/weights.ts';

/** The embedded mini-OPT (and, re-exported, a pruned version of it with uneven per-head value widths and an empty head). */
export async function embeddedModel(): Promise<ExportableModel> {
  const config = parseOptConfig(JSON.parse(readFileSync(path.join(EMBEDDED_MODEL_DIR, 'config.json'), 'utf8')));
  const weights = await loadOptWeights(config, [parseSafetensors(readFileSync(path.join(EMBEDDED_MODEL_DIR, 'model.safetensors')))]);
  return { config, weights, companionFiles: await readCompanionFiles(modelFilesFor('embedded')), label: 'the embedded mini-OPT' };
}

export { prunedEmbedded } from '../helpers/exportPruning.ts';
