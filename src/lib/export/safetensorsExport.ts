import { InputError } from '../errors.ts';
import { configToJson } from '../opt/config.ts';
import { writeSafetensors, type SafetensorsDtype, type TensorToWrite } from '../opt/safetensors.ts';
import { weightsToTensors } from '../opt/weights.ts';
import { checkWeightsMatchConfig, type ExportableModel, type NamedFile } from './exportableModel.ts';

/**
 * A (pruned or dense) OPT model as a Hugging Face-style folder: `model.safetensors`, `config.json`, and
 * the source's tokenizer files copied through unchanged. docs/export-format.md is the full description;
 * in short:
 *
 * - `model.safetensors`: every tensor under its HF name (`model.decoder.layers.3.fc1.weight`, …), in HF
 *   layout (a linear weight is [out, in]), F32 by default or F16/BF16 on request; no `lm_head.weight`
 *   (tied to `model.decoder.embed_tokens.weight`, as in HF's own OPT checkpoints); `__metadata__` has
 *   `format: "pt"` (what transformers checks) and where the model came from.
 * - `config.json`: the usual OPTConfig fields, `torch_dtype` matching the stored dtype, and for pruned
 *   models three more fields:
 *     `ffn_dims`    [num_hidden_layers]                       FFN width per layer (fc1 rows = fc2 columns)
 *     `v_head_dims` [num_hidden_layers][num_attention_heads]  value channels kept per head (0 allowed)
 *     `v_dims`      [num_hidden_layers]                       Σ v_head_dims[l] = v_proj rows = out_proj columns
 *   v_proj's rows (and out_proj's columns) are ordered head by head; q_proj and k_proj keep every head's
 *   full head_dim. A dense model gets none of the three and loads in stock transformers as it is.
 *
 * Reloading the folder with our runtime gives bit-identical logits for F32 (tests/unit/export-safetensors).
 */
export const EXPORT_DTYPES = ['F32', 'F16', 'BF16'] as const satisfies readonly SafetensorsDtype[];
export type ExportDtype = (typeof EXPORT_DTYPES)[number];

const TORCH_DTYPE: Record<ExportDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

export function parseExportDtype(value: unknown): ExportDtype {
  const upper = typeof value === 'string' ? value.toUpperCase() : value;
  if (!EXPORT_DTYPES.includes(upper as ExportDtype)) {
    throw new InputError(`Unknown export dtype ${JSON.stringify(value)}`, `expected one of ${EXPORT_DTYPES.join(', ')} (F32 keeps the weights exactly; F16 halves the file)`);
  }
  return upper as ExportDtype;
}

export interface SafetensorsExportOptions {
  /** Stored dtype: F32 (default, exact), F16 or BF16. */
  dtype?: ExportDtype | string;
  /** More config.json fields (e.g. how the model was pruned). */
  extraConfig?: Record<string, unknown>;
}

/** The files of the exported folder: model.safetensors, config.json, then the companion files. */
export function exportSafetensors(model: ExportableModel, options: SafetensorsExportOptions = {}): NamedFile[] {
  const dtype = parseExportDtype(options.dtype ?? 'F32');
  checkWeightsMatchConfig(model.config, model.weights);
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, tensor] of Object.entries(weightsToTensors(model.config, model.weights))) tensors[name] = { ...tensor, dtype };
  const safetensors = writeSafetensors(tensors, { format: 'pt', producer: 'paperlab', source: model.label });
  const config = configToJson(model.config, { torch_dtype: TORCH_DTYPE[dtype], ...options.extraConfig });
  const written = new Set(['model.safetensors', 'config.json']);
  return [
    { name: 'model.safetensors', bytes: safetensors },
    { name: 'config.json', bytes: new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`) },
    ...model.companionFiles.filter((file) => !written.has(file.name)),
  ];
}
