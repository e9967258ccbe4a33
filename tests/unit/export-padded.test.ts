import { describe, expect, it } from 'vitest';
import { parseOptConfig } from '../../src/lib/opt/config.ts';
import { referenceLogits } from '../../src/lib/opt/reference.ts';
import { parseSafetensors } from '../../src/lib/opt/safetensors.ts';
import { loadOptWeights } from '../../src/lib/opt/weights.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { createExportApi } from '../../src/workers/exportApi.ts';
import { closeness, randomIds, variant } from '../helpers/optModels.ts';

/** The export panel's "padded to dense shapes" download: a folder stock transformers can load, computing the pruned model's function. */
describe('the padded-to-dense safetensors export', () => {
  it('writes dense widths (no ffn_dims / v_head_dims in config.json) and the same logits as the pruned model', async () => {
    const pruned = variant('pruned widths, one head with no value channels');
    const api = createExportApi({ model: async () => ({ ...pruned, companionFiles: [], label: 'a test model' }), ort: async () => Promise.reject(new Error('no ONNX here')) });
    const padded = await api.exportSafetensors({ dtype: 'F32', padToDense: true }, { jobId: 1 });
    const compact = await api.exportSafetensors({ dtype: 'F32' }, { jobId: 2 });
    expect(padded.folder).toBe('a-test-model-pruned-padded');
    expect(compact.folder).toBe('a-test-model-pruned');
    const read = async (files: typeof padded.files) => {
      const byName = new Map(files.map((f) => [f.name, f.bytes]));
      const json = JSON.parse(new TextDecoder().decode(byName.get('config.json'))) as Record<string, unknown>;
      const config = parseOptConfig(json);
      return { json, config, weights: await loadOptWeights(config, [parseSafetensors(byName.get('model.safetensors')!)]) };
    };
    const dense = await read(padded.files);
    expect(dense.json.ffn_dims).toBeUndefined();
    expect(dense.json.v_head_dims).toBeUndefined();
    expect((await read(compact.files)).json.ffn_dims).toEqual([17, 0, 40]);
    const ids = randomIds(new Rng(4), 9, pruned.config.vocabSize);
    expect(closeness(referenceLogits(dense.config, dense.weights, ids), referenceLogits(pruned.config, pruned.weights, ids))).toBeLessThan(1e-6);
  });
});
