/**
 * `npm run bench:prune`: FASP on the CPU path (tfjs-wasm) in Node — time per phase, peak memory, and
 * the ratio prune time / one forward pass over the same calibration tokens (target ≤ 2.5 on
 * the OPT-125M shape: the method should cost little beyond calibration). The forward pass is
 * embedding + every decoder layer (no LM head: pruning never computes logits), in the same batches the
 * pipeline runs, on one thread.
 *
 * Models: the embedded mini-OPT (WikiText-2 valid, 32 × 256 tokens) and an OPT-125M-shaped model with
 * random weights (random token ids; 8 × 512 tokens by default, far fewer than the paper's 128 × 2048,
 * which would take most of an hour on a laptop CPU). Peak memory is the process's maximum resident set
 * so far (it includes loading the model and, with two threads, the statistics thread's tfjs-wasm).
 * "forward pruned" is the same pass on the pruned model (its speed-up, or slow-down, over dense).
 *
 * Threads (`--threads 1,2`, the default, or `1` or `2`): 2 adds the calibration statistics (the Gram)
 * on a worker thread while the layers run on the main one (src/lib/pruning/statsThread.ts). With both,
 * the runs are interleaved (forward, prune on 1 thread, prune on 2 threads, per round; `--rounds N`
 * repeats and keeps each row's fastest round), so both see the same machine load. Compare them by
 * wall time ("prune / forward"): the CPU-time ratio ("… cpu") counts both threads' CPU and is the
 * total work, not the time a user waits — with 2 threads it is not the ratio the issue asks about.
 * "main thread cpu ratio" divides the main thread's CPU time alone (Linux /proc) by the forward's: on a
 * machine shared with other jobs (where neither wall ratio is steady) it is what the 2-thread wall ratio
 * tends to on an idle machine if the second thread keeps up — a lower bound of it.
 *
 * Phases: "calib fwd" runs the dense layers only as far as their consumers' inputs (no fc2), "gram"
 * is the main thread's time in the statistics (one thread: the blocked SYRK itself; two threads: the
 * chunk copies and the wait for the statistics thread to finish the layer), "restore" is FASP's solve
 * (no diagnostic residual), "propagate" runs the pruned layers.
 *
 * Flags: --methods fasp,wanda-sp --threads 1,2 --rounds 1 --big-nsamples 8 --big-seqlen 512
 *        --sparsity 0.2 --embedded-only --quick (2 × 512 tokens on the OPT-125M shape, one round: under
 *        3 minutes; its ratio is higher than the full run's, the restoration's cost does not shrink
 *        with fewer tokens).
 */
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseFlags } from '../src/cli/args.ts';
import { openCliModel } from '../src/cli/commands/optModel.ts';
import { cpuPruneKernels, loadCalibration } from '../src/cli/commands/pruneNode.ts';
import { InputError } from '../src/lib/errors.ts';
import { CpuOptRuntime } from '../src/lib/opt/cpu/cpuRuntime.ts';
import { nodeTf } from '../src/lib/opt/cpu/nodeTf.ts';
import { randomOptWeights } from '../src/lib/opt/randomWeights.ts';
import type { OptRuntime } from '../src/lib/opt/runtime.ts';
import { batchWindows, windowsPerBatch, type PruneCalibration } from '../src/lib/pruning/calibration.ts';
import { DenseSnapshot } from '../src/lib/pruning/denseSnapshot.ts';
import type { PruneMethodName } from '../src/lib/pruning/methods.ts';
import type { PhaseTimingsMs } from '../src/lib/pruning/pipeline.ts';
import { pruneOptModel } from '../src/lib/pruning/pruneModel.ts';
import { Rng } from '../src/lib/util/random.ts';
import { formatTable, writeResults, type Row } from './harness/report.ts';
import { opt125mConfig } from './optShapes.ts';

const flags = parseFlags(process.argv.slice(2), { methods: 'fasp', threads: '1,2', rounds: 1, 'big-nsamples': 8, 'big-seqlen': 512, quick: false, 'embedded-only': false, sparsity: 0.2 });
const methods = flags.methods.split(',') as PruneMethodName[];
const threadCounts = flags.threads.split(',').map((t) => {
  if (t !== '1' && t !== '2') throw new InputError(`--threads takes 1, 2 or 1,2, got ${flags.threads}`);
  return Number(t) as 1 | 2;
});
const rounds = flags.quick ? 1 : flags.rounds;
const bigWindows = flags.quick ? 2 : flags['big-nsamples'];

const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

/** CPU seconds of the main thread alone (Linux: /proc/self/task/<pid>/stat, utime + stime in clock ticks); NaN elsewhere. */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Wall, process-CPU and main-thread-CPU seconds of `run`. */
async function timed<T>(run: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number; mainCpu: number }> {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpu();
  const value = await run();
  const cpu = process.cpuUsage(cpuStart);
  return { value, wall: (performance.now() - wallStart) / 1000, cpu: (cpu.user + cpu.system) / 1e6, mainCpu: mainThreadCpu() - mainStart };
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

interface Run {
  model: string;
  method: PruneMethodName;
  threads: 1 | 2;
  round: number;
  calibTokens: number;
  timings: PhaseTimingsMs;
  pruneCpu: number;
  pruneMainCpu: number;
  forward: { wall: number; cpu: number; mainCpu: number };
  forwardPruned: number;
}

/** Every method × thread count, `rounds` times, interleaved; the forward is measured again each round. */
async function measure<H>(label: string, runtime: OptRuntime<H>, calibration: PruneCalibration, kernels: Record<1 | 2, PruneKernels>): Promise<Row[]> {
  await forwardSeconds(runtime, { ...calibration, windows: calibration.windows.slice(0, 1) }); // warm-up
  const snapshot = await DenseSnapshot.take(runtime);
  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    const forward = await timed(() => forwardSeconds(runtime, calibration));
    for (const method of methods) {
      // Alternate which thread count goes first, so neither always runs on the warmer (or busier) machine.
      const order = round % 2 === 0 ? threadCounts : [...threadCounts].reverse();
      for (const threads of order) {
        await snapshot.restore(runtime);
        const { value: result, cpu: pruneCpu, mainCpu: pruneMainCpu } = await timed(() => pruneOptModel(runtime, calibration, { method, sparsity: flags.sparsity, kernels: kernels[threads] }));
        await forwardSeconds(runtime, { ...calibration, windows: calibration.windows.slice(0, 1) }); // warm-up of the new shapes
        const forwardPruned = await forwardSeconds(runtime, calibration);
        const run: Run = { model: label, method, threads, round, calibTokens: result.calibration.tokens, timings: result.timingsMs, pruneCpu, pruneMainCpu, forward, forwardPruned };
        runs.push(run);
        const prune = run.timings.total / 1000;
        process.stderr.write(
          `${label} ${method} ${threads} thread(s) round ${round + 1}/${rounds}: prune ${prune.toFixed(1)} s, forward ${forward.wall.toFixed(1)} s, ratio ${(prune / forward.wall).toFixed(2)} (cpu ${(pruneCpu / forward.cpu).toFixed(2)})\n`,
        );
      }
    }
  }
  await snapshot.restore(runtime);
  const rows: Row[] = [];
  for (const method of methods) {
    for (const threads of threadCounts) {
      const mine = runs.filter((run) => run.method === method && run.threads === threads);
      // The fastest round by prune / forward (wall): the least disturbed by other jobs.
      const best = mine.reduce((a, b) => (b.timings.total / b.forward.wall < a.timings.total / a.forward.wall ? b : a));
      const t = best.timings;
      const prune = t.total / 1000;
      rows.push({
        model: label,
        method,
        threads,
        rounds: mine.length,
        'calib tokens': best.calibTokens,
        'calib fwd s': (t.calibrate - t.statistics) / 1000,
        'gram s': t.statistics / 1000,
        'score+select s': (t.score + t.select) / 1000,
        'restore s': t.restore / 1000,
        'compact s': t.compact / 1000,
        'propagate s': (t.embed + t.propagate) / 1000,
        'prune s': prune,
        'forward s': best.forward.wall,
        'prune / forward': prune / best.forward.wall,
        'prune / forward cpu': best.pruneCpu / best.forward.cpu,
        'main thread cpu ratio': best.pruneMainCpu / best.forward.mainCpu,
        'forward pruned s': best.forwardPruned,
        'peak RSS MiB': peakRssMiB(),
      });
    }
  }
  return rows;
}

type PruneKernels = Awaited<ReturnType<typeof cpuPruneKernels>>;
const oneThread = await cpuPruneKernels({ threads: 1 });
const kernels: Record<1 | 2, PruneKernels> = { 1: oneThread, 2: threadCounts.includes(2) ? await cpuPruneKernels({ threads: 2 }) : oneThread };

const rows: Row[] = [];
const embedded = await openCliModel('embedded');
const embeddedCalibration = await loadCalibration({ calib: 'wikitext2', nsamples: 32, seqlen: 256, seed: 0 }, embedded);
rows.push(...(await measure('embedded mini-OPT', embedded.runtime, embeddedCalibration, kernels)));
embedded.runtime.dispose();

if (!flags['embedded-only']) {
  const config = opt125mConfig();
  const runtime = new CpuOptRuntime(await nodeTf(), config, randomOptWeights(config, new Rng(1)));
  const rng = new Rng(2);
  const seqLen = flags['big-seqlen'];
  const windows = Array.from({ length: bigWindows }, () => Int32Array.from({ length: seqLen }, () => 4 + rng.int(config.vocabSize - 4)));
  rows.push(...(await measure('OPT-125M shape (random weights)', runtime, { windows, seqLen, label: `random ids, ${windows.length} × ${seqLen}` }, kernels)));
  runtime.dispose();
}
await kernels[2].close();

// tfjs disables wasm threads under Node (WASM_HAS_MULTITHREAD_SUPPORT is false there, tfjs#3830): one thread.
console.log(
  `bench:prune — CPU path (tfjs-wasm, ${getThreadsCount()} wasm thread(s) per instance, Node ${process.version}, ${os.availableParallelism()} cores), s = ${flags.sparsity}, uniform; ` +
    `forward = embedding + decoder layers over the same calibration tokens; threads 2 = Gram on a worker thread; ${rounds} interleaved round(s), fastest kept`,
);
console.log(formatTable(rows));
console.log(
  'prune / forward is by wall time (the issue\'s ratio); "cpu" counts every thread\'s CPU time (with 2 threads: total work, not waiting time); ' +
    '"main thread cpu ratio" is the main thread\'s CPU time alone (Linux), prune over forward: on a loaded machine, what the 2-thread wall ratio tends to on an idle one when the second thread keeps up (a lower bound)',
);
console.log(`\nwrote ${writeResults('prune', { sparsity: flags.sparsity, threads: threadCounts, rounds, rows })}`);
