/**
 * `npm run train:mini-opt`: trains the embedded mini-OPT from scratch, reproducibly (seeded), on the
 * CPU with tfjs-wasm in Node. Steps:
 *   1. a byte-level BPE vocabulary (our trainer, src/lib/opt/tokenizer/trainBpe.ts) on the training text;
 *   2. an OPT-architecture model (scripts/opt/miniOptModel.ts) trained with AdamW on random windows;
 *   3. the artifacts in HF layout under public/datasets/models/mini-opt/.
 * Training text: WikiText-2 *validation* rows except the last 10% (held out for validation), plus the
 * shipped C4 sample. The WikiText-2 test split is never read here.
 * Checkpoints go to .cache/mini-opt/ every `--checkpoint-every` steps; a rerun resumes from the last one
 * (pass --fresh to start over). `npm run card:mini-opt` then measures perplexity and writes the card.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Tokenizer } from '@huggingface/tokenizers';
import { parseFlags } from '../../src/cli/args.ts';
import { parseOptConfig, configToJson } from '../../src/lib/opt/config.ts';
import { joinDatasetRows } from '../../src/lib/opt/data/wikitext.ts';
import { parseSafetensors, readTensorF32, writeSafetensors, type TensorToWrite } from '../../src/lib/opt/safetensors.ts';
import { trainByteLevelBpe } from '../../src/lib/opt/tokenizer/trainBpe.ts';
import { buildTokenizerJson, formatMergesTxt } from '../../src/lib/opt/tokenizer/tokenizerJson.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { exportHf, initMiniOpt, lossOf, namedVariables } from './miniOptModel.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const SHARED_OR_PUBLIC = (name: string) => path.join(REPO, 'public', 'datasets', name);
const SPECIAL_TOKENS = ['<s>', '<pad>', '</s>', '<unk>'] as const;

const flags = parseFlags(process.argv.slice(2), {
  seed: 1234,
  vocab: 4096,
  hidden: 192,
  layers: 4,
  heads: 6,
  ffn: 768,
  'seq-len': 256,
  batch: 8,
  steps: 400,
  lr: 2e-3,
  'warmup-steps': 40,
  'weight-decay': 0.05,
  'eval-every': 100,
  'checkpoint-every': 50,
  'eval-windows': 24,
  out: path.join(REPO, 'public', 'datasets', 'models', 'mini-opt'),
  checkpoint: path.join(REPO, '.cache', 'mini-opt', 'checkpoint.safetensors'),
  fresh: false,
});

const started = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${line}`);

await tf.setBackend('wasm');
await tf.ready();
log(`tfjs backend ${tf.getBackend()}`);

// --- 1. Text and vocabulary -------------------------------------------------------------------
const validRows = readFileSync(path.join(SHARED_OR_PUBLIC('wikitext-2'), 'valid.txt'), 'utf8').split('\n');
if (validRows[validRows.length - 1] === '') validRows.pop();
const heldOutFrom = Math.floor(validRows.length * 0.9);
const wikiTrainText = joinDatasetRows(validRows.slice(0, heldOutFrom).join('\n') + '\n');
const wikiValText = joinDatasetRows(validRows.slice(heldOutFrom).join('\n') + '\n');
const c4Text = readFileSync(path.join(SHARED_OR_PUBLIC('c4-sample'), 'c4_sample.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => (JSON.parse(line) as { text: string }).text)
  .join('\n\n');

const bpe = trainByteLevelBpe({ texts: [wikiTrainText, c4Text], vocabSize: flags.vocab, specialTokens: SPECIAL_TOKENS });
const tokenizerJson = buildTokenizerJson({ ...bpe, specialTokens: SPECIAL_TOKENS, bosToken: '</s>' });
const tokenizerConfig = {
  tokenizer_class: 'GPT2Tokenizer',
  add_bos_token: true,
  bos_token: '</s>',
  eos_token: '</s>',
  unk_token: '<unk>',
  pad_token: '<pad>',
  model_max_length: flags['seq-len'],
};
const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
const encode = (text: string) => Int32Array.from(tokenizer.encode(text, { add_special_tokens: false }).ids);
const trainStream = concat([encode(wikiTrainText), encode(c4Text)]);
const valStream = concat([Int32Array.of(2), encode(wikiValText)]);
log(`vocabulary ${flags.vocab}: ${trainStream.length} training tokens, ${valStream.length} validation tokens`);

// --- 2. Model and optimiser -------------------------------------------------------------------
const config = parseOptConfig({
  model_type: 'opt',
  vocab_size: flags.vocab,
  hidden_size: flags.hidden,
  num_hidden_layers: flags.layers,
  num_attention_heads: flags.heads,
  ffn_dim: flags.ffn,
  max_position_embeddings: flags['seq-len'],
  do_layer_norm_before: true,
  word_embed_proj_dim: flags.hidden,
});
const seqLen = flags['seq-len'];
const model = initMiniOpt(tf, config, new Rng(flags.seed));
const variables = namedVariables(model);
const moments = new Map(variables.map(([name, v]) => [name, { m: tf.variable(tf.zerosLike(v)), s: tf.variable(tf.zerosLike(v)) }]));
let step = 0;
let trainedSeconds = 0;
if (!flags.fresh && existsSync(flags.checkpoint)) {
  const restored = restoreCheckpoint(flags.checkpoint);
  step = restored.step;
  trainedSeconds = restored.trainedSeconds;
  log(`resumed from ${flags.checkpoint} at step ${step}`);
}

const BETA1 = 0.9;
const BETA2 = 0.95;
const EPS = 1e-8;
const CLIP_NORM = 1.0;
const learningRate = (s: number) => {
  if (s < flags['warmup-steps']) return (flags.lr * (s + 1)) / flags['warmup-steps'];
  const progress = (s - flags['warmup-steps']) / Math.max(1, flags.steps - flags['warmup-steps']);
  return flags.lr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
};

/** Batch windows for step s: seeded by (seed, s) alone, so a resumed run sees the same data. */
function windowsFor(s: number): Int32Array {
  const rng = new Rng(flags.seed * 1_000_003 + s);
  const out = new Int32Array(flags.batch * (seqLen + 1));
  for (let b = 0; b < flags.batch; b++) {
    const start = rng.int(trainStream.length - seqLen - 1);
    out.set(trainStream.subarray(start, start + seqLen + 1), b * (seqLen + 1));
  }
  return out;
}

function trainStep(s: number): number {
  const windows = windowsFor(s);
  const { value, grads } = tf.variableGrads(() => lossOf(tf, model, config, windows, flags.batch, seqLen));
  const loss = value.dataSync()[0];
  const lr = learningRate(s);
  tf.tidy(() => {
    const norms = Object.values(grads).map((g) => g.square().sum());
    const globalNorm = tf.sqrt(tf.addN(norms)).dataSync()[0];
    const clip = Math.min(1, CLIP_NORM / (globalNorm + 1e-6));
    const t = s + 1;
    for (const [name, variable] of variables) {
      const g = grads[variable.name].mul(clip);
      const { m, s: sq } = moments.get(name)!;
      m.assign(m.mul(BETA1).add(g.mul(1 - BETA1)));
      sq.assign(sq.mul(BETA2).add(g.square().mul(1 - BETA2)));
      const update = m.div(1 - BETA1 ** t).div(sq.div(1 - BETA2 ** t).sqrt().add(EPS));
      const decay = variable.shape.length === 2 && !name.startsWith('positions') ? flags['weight-decay'] : 0;
      variable.assign(variable.sub(update.add(variable.mul(decay)).mul(lr)));
    }
  });
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

function validationLoss(): number {
  const windows = Math.min(flags['eval-windows'], Math.floor((valStream.length - 1) / seqLen));
  let total = 0;
  for (let w = 0; w < windows; w++) {
    const ids = valStream.subarray(w * seqLen, w * seqLen + seqLen + 1);
    const loss = tf.tidy(() => lossOf(tf, model, config, Int32Array.from(ids), 1, seqLen));
    total += loss.dataSync()[0];
    loss.dispose();
  }
  return total / windows;
}

const history: { step: number; trainLoss: number; seconds: number }[] = [];
const validation: { step: number; loss: number }[] = [];
let lossSum = 0;
let lossCount = 0;
while (step < flags.steps) {
  const t0 = performance.now();
  const loss = trainStep(step);
  trainedSeconds += (performance.now() - t0) / 1000;
  lossSum += loss;
  lossCount++;
  step++;
  if (step % 10 === 0 || step === flags.steps) {
    const tokensPerS = (flags.batch * seqLen * step) / Math.max(trainedSeconds, 1e-9);
    log(`step ${step}/${flags.steps} loss ${(lossSum / lossCount).toFixed(3)} lr ${learningRate(step - 1).toExponential(2)} ${tokensPerS.toFixed(0)} tok/s`);
    history.push({ step, trainLoss: lossSum / lossCount, seconds: trainedSeconds });
    lossSum = 0;
    lossCount = 0;
  }
  if (step % flags['eval-every'] === 0 || step === flags.steps) {
    const val = validationLoss();
    validation.push({ step, loss: val });
    log(`  validation loss ${val.toFixed(3)} (perplexity ${Math.exp(val).toFixed(1)})`);
  }
  if (step % flags['checkpoint-every'] === 0 || step === flags.steps) saveCheckpoint(flags.checkpoint, step, trainedSeconds);
}

// --- 3. Artifacts -------------------------------------------------------------------------------
mkdirSync(flags.out, { recursive: true });
writeFileSync(path.join(flags.out, 'config.json'), `${JSON.stringify(configToJson(config), null, 2)}\n`);
writeFileSync(path.join(flags.out, 'model.safetensors'), writeSafetensors(exportHf(model), { format: 'pt' }));
writeFileSync(path.join(flags.out, 'tokenizer.json'), JSON.stringify(tokenizerJson));
writeFileSync(path.join(flags.out, 'tokenizer_config.json'), `${JSON.stringify(tokenizerConfig, null, 2)}\n`);
writeFileSync(path.join(flags.out, 'vocab.json'), JSON.stringify(bpe.vocab));
writeFileSync(path.join(flags.out, 'merges.txt'), formatMergesTxt(bpe.merges));
const training = {
  seed: flags.seed,
  steps: flags.steps,
  batch: flags.batch,
  seqLen,
  trainingTokensSeen: flags.steps * flags.batch * seqLen,
  trainingStreamTokens: trainStream.length,
  validationStreamTokens: valStream.length,
  trainingSeconds: Math.round(trainedSeconds),
  optimizer: { name: 'AdamW', lr: flags.lr, warmupSteps: flags['warmup-steps'], schedule: 'cosine to 10%', betas: [BETA1, BETA2], weightDecay: flags['weight-decay'], clipNorm: CLIP_NORM },
  text: {
    training: 'WikiText-2 validation rows 1–' + heldOutFrom + ' of ' + validRows.length + ' + C4 sample (200 documents)',
    validation: 'WikiText-2 validation rows ' + (heldOutFrom + 1) + '–' + validRows.length,
  },
  history,
  validation,
};
writeFileSync(path.join(flags.out, 'training.json'), `${JSON.stringify(training, null, 2)}\n`);
log(`wrote ${flags.out}`);

function concat(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function saveCheckpoint(file: string, atStep: number, seconds: number): void {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, variable] of variables) {
    const { m, s } = moments.get(name)!;
    tensors[name] = { shape: variable.shape, data: variable.dataSync() as Float32Array };
    tensors[`${name}.adam_m`] = { shape: m.shape, data: m.dataSync() as Float32Array };
    tensors[`${name}.adam_s`] = { shape: s.shape, data: s.dataSync() as Float32Array };
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, writeSafetensors(tensors, { step: String(atStep), trainedSeconds: String(seconds), seed: String(flags.seed) }));
  writeFileSync(file, readFileSync(`${file}.tmp`));
}

function restoreCheckpoint(file: string): { step: number; trainedSeconds: number } {
  const saved = parseSafetensors(readFileSync(file), file);
  if (saved.metadata.seed !== String(flags.seed)) throw new Error(`${file} was made with seed ${saved.metadata.seed}; pass --fresh`);
  const load = (name: string, target: tf.Variable) => {
    const entry = saved.tensors.get(name);
    if (!entry || entry.shape.join() !== target.shape.join()) throw new Error(`${file}: ${name} is missing or has another shape; pass --fresh`);
    target.assign(tf.tensor(readTensorF32(saved, entry), target.shape));
  };
  for (const [name, variable] of variables) {
    const { m, s } = moments.get(name)!;
    load(name, variable);
    load(`${name}.adam_m`, m);
    load(`${name}.adam_s`, s);
  }
  return { step: Number(saved.metadata.step), trainedSeconds: Number(saved.metadata.trainedSeconds) };
}
