/**
 * `npm run bench:export`: how fast the exported ONNX model runs in ONNX Runtime (onnxruntime-web's
 * Node build: the browser's wasm kernels), dense vs structurally pruned (magnitude, s = 0.3, via
 * widthChanges.ts), side by side with our CPU runtime (tfjs-wasm, the page's CPU path) on the same
 * weights and tokens, for the embedded mini-OPT and an OPT-125M-shaped model with random weights.
 * One prefill of batch 1 × T tokens with logits at every position, median of interleaved runs; each row
 * also reports ORT's parity with our runtime on that pass. Both run single-threaded (our CPU path is
 * single-threaded in Node; ORT is pinned to 1 wasm thread so the comparison is like for like).
 * `--quick` uses shorter sequences.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatTable, writeResults } from './harness/report.ts';
import { opt125mConfig } from './optShapes.ts';
import type { ExportableModel } from '../src/lib/export/exportableModel.ts';
import { nodeOrt } from '../src/lib/export/nodeOrt.ts';
import { parityIds, runtimeLogits } from '../src/lib/export/onnxChecks.ts';
import { buildOnnxModel, type HeadLayout } from '../src/lib/export/onnxExport.ts';
import { createOnnxSession, maxRelativeError, onnxLogits } from '../src/lib/export/onnxRuntime.ts';
import { magnitudeChannels, pruneChannels } from '../src/lib/export/widthChanges.ts';
import { CpuOptRuntime } from '../src/lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../src/lib/opt/cpu/nodeTf.ts';
import { parseOptConfig } from '../src/lib/opt/config.ts';
import { randomOptWeights } from '../src/lib/opt/randomWeights.ts';
import { parseSafetensors } from '../src/lib/opt/safetensors.ts';
import { loadOptWeights } from '../src/lib/opt/weights.ts';
import { Rng } from '../src/lib/util/random.ts';

const quick = process.argv.includes('--quick');
const SPARSITY = 0.3;
const EMBEDDED = path.resolve(import.meta.dirname, '..', 'public', 'datasets', 'models', 'mini-opt');
const ort = nodeOrt({ threads: 1 });
const tf = await nodeTf();

interface Row {
  model: string;
  variant: string;
  'params M': number;
  tokens: number;
  'ORT ms': number;
  'ORT tok/s': number;
  'CPU runtime ms': number;
  'CPU runtime tok/s': number;
  'ORT / CPU speed': number;
  'ORT min ms': number;
  'CPU runtime min ms': number;
  'ORT parity (rel)': number;
}

function median(times: number[]): number {
  return [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

function parameters(model: ExportableModel): number {
  const { weights: w } = model;
  let sum = w.embedTokens.length + w.embedPositions.length;
  for (const layer of w.layers) for (const linear of [layer.qProj, layer.kProj, layer.vProj, layer.outProj, layer.fc1, layer.fc2]) sum += linear.weight.length + (linear.bias?.length ?? 0);
  return sum;
}

/** One model variant ready to run on both engines. */
interface Contender {
  variant: string;
  model: ExportableModel;
  runOrt: () => Promise<Float32Array>;
  runOurs: () => Promise<Float32Array>;
  close: () => Promise<void>;
  ortMs: number[];
  oursMs: number[];
}

async function contender(model: ExportableModel, variant: string, ids: Int32Array, shape: { batch: number; seqLen: number }, headLayout: HeadLayout = 'grouped'): Promise<Contender> {
  const session = await createOnnxSession(ort, buildOnnxModel(model, { headLayout }).bytes);
  const runtime = new CpuOptRuntime(tf, model.config, structuredClone(model.weights));
  return {
    variant,
    model,
    runOrt: () => onnxLogits(ort, session, ids, shape),
    runOurs: () => runtimeLogits(runtime, ids, shape),
    close: async () => {
      await session.release();
      runtime.dispose();
    },
    ortMs: [],
    oursMs: [],
  };
}

async function timeInto(times: number[], once: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  await once();
  times.push(performance.now() - t0);
}

/**
 * Dense and pruned on both engines, runs interleaved (ORT dense, ORT pruned, ours dense, ours pruned,
 * repeated) so that load from other processes hits all four alike; medians are reported.
 */
async function benchModel(dense: ExportableModel, tokens: number, runs: number): Promise<Row[]> {
  const shape = { batch: 1, seqLen: tokens };
  const ids = parityIds(dense.config, shape, 3);
  const pruned: ExportableModel = { ...dense, ...pruneChannels(dense, magnitudeChannels(dense, SPARSITY)) };
  const contenders = [
    await contender(dense, 'dense', ids, shape),
    await contender(pruned, `magnitude s=${SPARSITY}`, ids, shape),
    // Same pruned model, ONNX with each layer's heads padded to one width (the CPU runtime runs it as before).
    await contender(pruned, `magnitude s=${SPARSITY}, padded heads`, ids, shape, 'padded'),
  ];
  try {
    const parity: number[] = [];
    for (const c of contenders) parity.push(maxRelativeError(await c.runOrt(), await c.runOurs())); // also the warm-up
    for (let run = 0; run < runs; run++) {
      for (const c of contenders) await timeInto(c.ortMs, c.runOrt);
      for (const c of contenders) await timeInto(c.oursMs, c.runOurs);
    }
    return contenders.map((c, i) => {
      const ortMs = median(c.ortMs);
      const oursMs = median(c.oursMs);
      process.stderr.write(`  ${dense.label} ${c.variant}: ORT ${ortMs.toFixed(0)} ms, CPU runtime ${oursMs.toFixed(0)} ms\n`);
      return {
        model: dense.label,
        variant: c.variant,
        'params M': parameters(c.model) / 1e6,
        tokens,
        'ORT ms': ortMs,
        'ORT tok/s': (tokens * 1000) / ortMs,
        'CPU runtime ms': oursMs,
        'CPU runtime tok/s': (tokens * 1000) / oursMs,
        'ORT / CPU speed': oursMs / ortMs,
        'ORT min ms': Math.min(...c.ortMs),
        'CPU runtime min ms': Math.min(...c.oursMs),
        'ORT parity (rel)': parity[i],
      };
    });
  } finally {
    for (const c of contenders) await c.close();
  }
}

const embeddedConfig = parseOptConfig(JSON.parse(readFileSync(path.join(EMBEDDED, 'config.json'), 'utf8')));
const embedded: ExportableModel = {
  config: embeddedConfig,
  weights: await loadOptWeights(embeddedConfig, [parseSafetensors(readFileSync(path.join(EMBEDDED, 'model.safetensors')))]),
  companionFiles: [],
  label: 'embedded mini-OPT',
};
const bigConfig = opt125mConfig();
const big: ExportableModel = { config: bigConfig, weights: randomOptWeights(bigConfig, new Rng(1)), companionFiles: [], label: 'OPT-125M shape (random)' };

process.stderr.write('ONNX Runtime (onnxruntime-web, Node, 1 thread) vs CPU runtime (tfjs-wasm, Node)…\n');
const rows = [...(await benchModel(embedded, quick ? 64 : 256, quick ? 7 : 15)), ...(await benchModel(big, quick ? 64 : 256, quick ? 3 : 5))];
const speedups = rows.filter((r) => r.variant !== 'dense').map((pruned) => {
  const dense = rows.find((r) => r.model === pruned.model && r.variant === 'dense')!;
  return {
    model: pruned.model,
    variant: pruned.variant,
    'ORT pruned/dense (median)': dense['ORT ms'] / pruned['ORT ms'],
    'ORT pruned/dense (min)': dense['ORT min ms'] / pruned['ORT min ms'],
    'CPU runtime pruned/dense (median)': dense['CPU runtime ms'] / pruned['CPU runtime ms'],
    'CPU runtime pruned/dense (min)': dense['CPU runtime min ms'] / pruned['CPU runtime min ms'],
    'params kept': pruned['params M'] / dense['params M'],
  };
});

console.log(`\nExported ONNX in ONNX Runtime vs our CPU runtime: one prefill of batch 1 × T tokens, logits at every position (median).`);
console.log(`ORT: onnxruntime-web ${ort.env.versions.web ?? ''} Node build, wasm, 1 thread. CPU runtime: CpuOptRuntime on tfjs-wasm (SIMD, 1 thread). Pruned: magnitude channels, s = ${SPARSITY} (FFN and value channels); ONNX heads grouped by exact width unless "padded heads" (the CPU runtime row of that variant repeats the same model).`);
console.log('"ORT parity (rel)" is max |ORT − ours| / (1 + |ours|) over every logit of that pass. Speed-ups are time ratios; on a busy machine trust the min column more.');
console.log(formatTable(rows as unknown as Record<string, string | number | null>[]));
console.log('');
console.log(formatTable(speedups));
console.log(`\nresults: ${writeResults('export', { rows, speedups, sparsity: SPARSITY, quick })}`);
