/**
 * `npm run card:mini-opt`: measures the trained mini-OPT with our own CPU runtime (the CLI's code
 * path) and writes public/datasets/models/mini-opt/MODEL_CARD.md: size, training data and time (from
 * training.json), validation and test perplexity with the paper protocol, and the perplexity when
 * each layer is skipped (so it is visible that every layer matters).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EMBEDDED_MODEL_DIR, openCliModel, REPO_ROOT } from '../../src/cli/commands/optModel.ts';
import { joinDatasetRows } from '../../src/lib/opt/data/wikitext.ts';
import { perplexity } from '../../src/lib/opt/perplexity.ts';
import { summarizeModel } from '../../src/lib/opt/summary.ts';

interface Training {
  seed: number;
  steps: number;
  batch: number;
  seqLen: number;
  trainingTokensSeen: number;
  trainingStreamTokens: number;
  validationStreamTokens: number;
  trainingSeconds: number;
  optimizer: Record<string, unknown>;
  text: { training: string; validation: string };
  validation: { step: number; loss: number }[];
}

const training = JSON.parse(readFileSync(path.join(EMBEDDED_MODEL_DIR, 'training.json'), 'utf8')) as Training;
const model = await openCliModel('embedded');
const { runtime, tokenizer, config } = model;
const seqLen = config.maxPositions;
const log = (line: string) => process.stderr.write(`${line}\n`);

const validRows = readFileSync(path.join(REPO_ROOT, 'public/datasets/wikitext-2/valid.txt'), 'utf8').split('\n');
if (validRows[validRows.length - 1] === '') validRows.pop();
const heldOut = joinDatasetRows(validRows.slice(Math.floor(validRows.length * 0.9)).join('\n') + '\n');
const testText = joinDatasetRows(readFileSync(path.join(REPO_ROOT, 'public/datasets/wikitext-2/test.txt'), 'utf8'));
const testIds = tokenizer.encode(testText);

log('validation perplexity…');
const validation = await perplexity(runtime, tokenizer.encode(heldOut), { seqLen, windowsPerBatch: 4 });
log(`  ${validation.ppl.toFixed(2)}; test perplexity…`);
const test = await perplexity(runtime, testIds, { seqLen, windowsPerBatch: 4 });
log(`  ${test.ppl.toFixed(2)}`);

// Skipping layer l: zero its out_proj and fc2 (weights and biases), so the pre-LN residual stream passes it unchanged.
const ablationWindows = 200;
const skipped: { layer: number; ppl: number }[] = [];
for (let l = 0; l < config.numLayers; l++) {
  const original = await runtime.getLayerWeights(l);
  const zero = (linear: typeof original.outProj) => ({ ...linear, weight: new Float32Array(linear.weight.length), bias: linear.bias && new Float32Array(linear.bias.length) });
  await runtime.setLayerWeights(l, { ...original, outProj: zero(original.outProj), fc2: zero(original.fc2) });
  const result = await perplexity(runtime, testIds, { seqLen, maxWindows: ablationWindows, windowsPerBatch: 4 });
  skipped.push({ layer: l, ppl: result.ppl });
  log(`  without layer ${l}: ${result.ppl.toFixed(1)}`);
  await runtime.setLayerWeights(l, original);
}
const intact = await perplexity(runtime, testIds, { seqLen, maxWindows: ablationWindows, windowsPerBatch: 4 });

const summary = summarizeModel(config, model.weights);
const fileBytes = statSync(path.join(EMBEDDED_MODEL_DIR, 'model.safetensors')).size;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const card = `# mini-OPT — the embedded model

A small language model with the OPT architecture (Zhang et al. 2022, HF \`OPTForCausalLM\`), trained from
scratch in this repository so that Paperlab has a real model to evaluate, generate with and prune without a
download. It is a toy next to facebook/opt-125m, but every layer carries weight (see "Layers matter").

## Architecture
- ${config.numLayers} decoder layers, hidden size ${config.hiddenSize}, ${config.numHeads} heads of ${config.headDim}, FFN ${config.ffnDim}, ReLU,
  pre-layer-norm with a final layer norm, learned positions (${config.maxPositions}, offset 2), LM head tied to the token embedding.
- ${summary.parameters.total.toLocaleString('en')} parameters (token embedding ${summary.parameters.tokenEmbedding.toLocaleString('en')},
  attention ${summary.parameters.attention.toLocaleString('en')}, MLP ${summary.parameters.mlp.toLocaleString('en')}, positions
  ${summary.parameters.positionEmbedding.toLocaleString('en')}, layer norms ${summary.parameters.layerNorms.toLocaleString('en')}).
- \`model.safetensors\`: F32, HF tensor names, ${mib(fileBytes)}.

## Tokenizer
Byte-level BPE (GPT-2 pre-tokenization, as OPT) with ${config.vocabSize} tokens, trained by our own trainer
(\`src/lib/opt/tokenizer/trainBpe.ts\`) on the training text below. Ids 0–3 are \`<s> <pad> </s> <unk>\` as in OPT;
\`</s>\` (id 2) starts every sequence. Files: \`tokenizer.json\` (read by @huggingface/tokenizers), and the
equivalent \`vocab.json\` + \`merges.txt\`.

### Why it writes \`<unk>\`
WikiText-2, part of the training text, comes tokenised: every word rarer than the dataset's vocabulary cut-off
was replaced by the literal string \`<unk>\` before we saw it (6 % of the whitespace-separated tokens of its test split). Our BPE keeps \`<unk>\` as
one token (id 3), and the model learned it as one of its most frequent words. The app therefore masks its logit
when generating (Generate on the Models and pruning pages, \`generate\` in the CLI) and when self-generating
calibration text; "allow <unk>" (\`--allow-unk\` in the CLI) shows what the model would write without the mask.
The mask has a cost: the tokenizer splits " <unk>" into a lone-space token and \`<unk>\` (every \`<unk>\` in WikiText-2
valid follows one), so when the model has written that space meaning to write \`<unk>\`, it must continue with
something else, and sometimes drifts into stray letters and symbols for a few tokens.
Perplexity is unaffected: WikiText-2 test contains \`<unk>\` too, and it is scored like any other token.

## Training
- Text: ${training.text.training} (${training.trainingStreamTokens.toLocaleString('en')} tokens).
  Held out for validation: ${training.text.validation} (${training.validationStreamTokens.toLocaleString('en')} tokens).
  The WikiText-2 **test** split was never used for training or model selection.
- ${training.steps} steps of AdamW (lr ${String(training.optimizer.lr)}, warm-up ${String(training.optimizer.warmupSteps)} steps then cosine to 10%,
  betas ${JSON.stringify(training.optimizer.betas)}, weight decay ${String(training.optimizer.weightDecay)} on matrices, gradient clipping at ${String(training.optimizer.clipNorm)}),
  batches of ${training.batch} random windows of ${training.seqLen + 1} tokens: **${training.trainingTokensSeen.toLocaleString('en')} training tokens seen**
  (≈ ${(training.trainingTokensSeen / training.trainingStreamTokens).toFixed(1)} passes over the text).
- Time: ${(training.trainingSeconds / 60).toFixed(0)} min of wall-clock training (${Math.round(training.trainingTokensSeen / training.trainingSeconds)} tokens/s) with
  tfjs-wasm (single-threaded SIMD) in Node, on a 2-core machine shared with other jobs (load average between about 3 and 12
  during the run). Seed ${training.seed} fixes the initialisation and the data order; \`npm run train:mini-opt\` reruns it
  (checkpointing to .cache/mini-opt/ and resuming from there).
- Validation loss during training (on the first held-out windows): ${training.validation.map((v) => `${v.loss.toFixed(2)} at step ${v.step}`).join(', ')}
  nats — still falling at the end: more steps would give a better model.

## Evaluation (measured by \`npm run card:mini-opt\` with this app's CPU runtime)
Protocol of the OPT/SparseGPT/FASP papers: text tokenized once, non-overlapping windows of ${seqLen} tokens (the model's
maximum), perplexity = exp(mean NLL over all predicted tokens).

| text | windows | predicted tokens | perplexity |
| --- | ---: | ---: | ---: |
| validation (held-out WikiText-2 valid rows) | ${validation.windows} | ${validation.tokens.toLocaleString('en')} | **${validation.ppl.toFixed(2)}** |
| WikiText-2 test (tokenized v1 text, rows joined with "\\n\\n") | ${test.windows} | ${test.tokens.toLocaleString('en')} | **${test.ppl.toFixed(2)}** |

These numbers use our own ${config.vocabSize}-token vocabulary, so they are not comparable with published OPT perplexities
(50 272 tokens, raw WikiText-2).

## Layers matter
Perplexity on the first ${ablationWindows} test windows with one layer skipped (its out_proj and fc2 zeroed, so the residual
stream passes through unchanged):

| layer skipped | none | ${skipped.map((s) => s.layer).join(' | ')} |
| --- | ---: | ${skipped.map(() => '---:').join(' | ')} |
| perplexity | ${intact.ppl.toFixed(1)} | ${skipped.map((s) => s.ppl.toFixed(1)).join(' | ')} |
| change | | ${skipped.map((s) => `${s.ppl > intact.ppl ? '+' : ''}${((100 * (s.ppl - intact.ppl)) / intact.ppl).toFixed(0)}%`).join(' | ')} |

Layer 0 is essential; each later layer adds a few percent. The model is small and undertrained, so pruning it
moves perplexity visibly, but its later layers are less vital than in a fully trained model.

## Licence and limits
Trained on WikiText-2 (CC BY-SA 3.0) and a C4 sample (ODC-BY 1.0); see the SOURCE.md files in
\`public/datasets/\`. A research toy: it writes locally fluent but meaningless text, and knows only what ${training.trainingStreamTokens.toLocaleString('en')}
tokens of Wikipedia and web text can teach.
`;
writeFileSync(path.join(EMBEDDED_MODEL_DIR, 'MODEL_CARD.md'), card);
console.log(JSON.stringify({ validationPpl: validation.ppl, testPpl: test.ppl, intactPpl200: intact.ppl, skipped }));
