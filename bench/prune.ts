/**
 * `npm run bench:prune`: FASP on the CPU path (tfjs-wasm) in Node — time per phase, peak memory, and
 * the issue's ratio prune time / one forward pass over the same calibration tokens (target ≤ 3: the
 * method should cost little beyond calibration). The forward pass is embedding + every decoder layer
 * (no LM head: pruning never computes logits), in the same batches the pipeline runs.
 *
 * Models: the embedded mini-OPT (WikiText-2 valid, 32 × 256 tokens) and an OPT-125M-shaped model with
 * random weights (random token ids; 8 × 512 tokens by default, far fewer than the paper's 128 × 2048,
 * which would take most of an hour on a laptop CPU). Peak memory is the process's maximum resident set
 * so far (it includes loading the model). "forward pruned" is the same pass on the pruned model (its
 * speed-up, or slow-down, over dense on this path). Flags: --methods fasp,wanda-sp --big-nsamples 8 --big-seqlen 512 --quick (embedded only).
 *
 * Phases: "calib fwd" runs the dense layers only as far as their consumers' inputs (no fc2), "gram"
 * adds those inputs into the statistics (the blocked SYRK), "restore" is FASP's solve (no diagnostic
 * residual), "propagate" runs the pruned layers. Wall seconds, and process CPU seconds beside them
 * ("cpu"): on a machine shared with other jobs the CPU ratio is the steadier one.
 */
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { parseFlags } from '../src/cli/args.ts';
import { openCliModel } from '../src/cli/commands/optModel.ts';
import { cpuPruneKernels, loadCalibration } from '../src/cli/commands/pruneNode.ts';
import { CpuOptRuntime } from '../src/lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../src/lib/opt/cpu/nodeTf.ts';
import { randomOptWeights } from '../src/lib/opt/randomWeights.ts';
import type { OptRuntime } from '../src/lib/opt/runtime.ts';
import { batchWindows, windowsPerBatch, type PruneCalibration } from '../src/lib/pruning/calibration.ts';
import { DenseSnapshot } from '../src/lib/pruning/denseSnapshot.ts';
import type { PruneMethodName } from '../src/lib/pruning/methods.ts';
import { pruneOptModel } from '../src/lib/pruning/pruneModel.ts';
import { Rng } from '../src/lib/util/random.ts';
import { formatTable, writeResults, type Row } from './harness/report.ts';
import { opt125mConfig } from './optShapes.ts';

const flags = parseFlags(process.argv.slice(2), { methods: 'fasp', 'big-nsamples': 8, 'big-seqlen': 512, quick: false, sparsity: 0.2 });
const methods = flags.methods.split(',') as PruneMethodName[];

const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

/** Wall and process-CPU seconds of `run`. */
async function timed<T>(run: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const value = await run();
  const cpu = process.cpuUsage(cpuStart);
  return { value, wall: (performance.now() - wallStart) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

/** Embedding + every decoder layer over the calibration windows, batched as the pipeline batches them. */
async function forwardSeconds<H>(runtime: OptRuntime<H>, calibration: PruneCalibration): Promise<number> {
  const started = performance.now();
  for (const batch of batchWindows(calibration.windows, windowsPerBatch(calibration.seqLen))) {
    let hidden = await runtime.embed(batch, { batch: batch.length / calibration.seqLen, seqLen: calibration.seqLen });
    for (let l = 0; l < runtime.config.numLayers; l++) {
      const next = (await runtime.layer(l, hidden)).hidden;
      runtime.release(hidden);
      hidden = next;
    }
    await runtime.read(hidden);
    runtime.release(hidden);
  }
  return (performance.now() - started) / 1000;
}

async function measure<H>(label: string, runtime: OptRuntime<H>, calibration: PruneCalibration): Promise<Row[]> {
  const kernels = await cpuPruneKernels();
  await forwardSeconds(runtime, { ...calibration, windows: calibration.windows.slice(0, 1) }); // warm-up
  const forward = await timed(() => forwardSeconds(runtime, calibration));
  const snapshot = await DenseSnapshot.take(runtime);
  const rows: Row[] = [];
  for (const method of methods) {
    await snapshot.restore(runtime);
    const { value: result, cpu: pruneCpu } = await timed(() => pruneOptModel(runtime, calibration, { method, sparsity: flags.sparsity, kernels }));
    await forwardSeconds(runtime, { ...calibration, windows: calibration.windows.slice(0, 1) }); // warm-up of the new shapes
    const forwardPruned = await forwardSeconds(runtime, calibration);
    const t = result.timingsMs;
    const prune = t.total / 1000;
    rows.push({
      model: label,
      method,
      'calib tokens': result.calibration.tokens,
      'calib fwd s': (t.calibrate - t.statistics) / 1000,
      'gram s': t.statistics / 1000,
      'score+select s': (t.score + t.select) / 1000,
      'restore s': t.restore / 1000,
      'compact s': t.compact / 1000,
      'propagate s': (t.embed + t.propagate) / 1000,
      'prune s': prune,
      'forward s': forward.wall,
      'prune / forward': prune / forward.wall,
      'prune / forward cpu': pruneCpu / forward.cpu,
      'forward pruned s': forwardPruned,
      'peak RSS MiB': peakRssMiB(),
    });
    process.stderr.write(`${label} ${method}: prune ${prune.toFixed(1)} s, forward ${forward.wall.toFixed(1)} s, ratio ${(prune / forward.wall).toFixed(2)} (cpu ${(pruneCpu / forward.cpu).toFixed(2)})\n`);
  }
  await snapshot.restore(runtime);
  return rows;
}

const rows: Row[] = [];
const embedded = await openCliModel('embedded');
const embeddedCalibration = await loadCalibration({ calib: 'wikitext2', nsamples: 32, seqlen: 256, seed: 0 }, embedded);
rows.push(...(await measure('embedded mini-OPT', embedded.runtime, embeddedCalibration)));
embedded.runtime.dispose();

if (!flags.quick) {
  const config = opt125mConfig();
  const runtime = new CpuOptRuntime(await nodeTf(), config, randomOptWeights(config, new Rng(1)));
  const rng = new Rng(2);
  const seqLen = flags['big-seqlen'];
  const windows = Array.from({ length: flags['big-nsamples'] }, () => Int32Array.from({ length: seqLen }, () => 4 + rng.int(config.vocabSize - 4)));
  rows.push(...(await measure('OPT-125M shape (random weights)', runtime, { windows, seqLen, label: `random ids, ${windows.length} × ${seqLen}` })));
  runtime.dispose();
}

// tfjs disables wasm threads under Node (WASM_HAS_MULTITHREAD_SUPPORT is false there, tfjs#3830): one thread.
console.log(
  `bench:prune — CPU path (tfjs-wasm, ${getThreadsCount()} thread(s), Node ${process.version}), s = ${flags.sparsity}, uniform; forward = embedding + decoder layers over the same calibration tokens`,
);
console.log(formatTable(rows));
console.log(`\nwrote ${writeResults('prune', { sparsity: flags.sparsity, rows })}`);
