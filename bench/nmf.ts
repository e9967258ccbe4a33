/**
 * `npm run bench:nmf`: batched NMF (k = 1…kMax × restarts × fixed iterations), side by side in one run:
 * 1. scaled sizes in headless Chromium, one page, same data: WGSL (WebGPU on the adapter found —
 *    SwiftShader on a machine without a GPU, ~0.2 GFLOP/s), the CPU path (WebAssembly SIMD) and the
 *    scalar loop it replaced, and the naive reference;
 * 2. the issue's sizes (8 × 100 000 and 14 × 1 000 000, k = 1…8 × 20 restarts × 500 iterations) in
 *    Node on the CPU paths. The SIMD path runs the full work where it is at most --full-gflop GFLOP
 *    (or everything with --full); the rest, and the slow paths, are timed on two slices of the work
 *    and PROJECTED to the full work (fixed iterations: every iteration costs the same), labelled so.
 * 3. one thread vs the worker pool (issue 19's size: 14 × 100 000, k = 1…8 × 2 restarts × 500 iterations)
 *    in Node, interleaved (1 thread, 2 workers, 1 thread, …), min of --repeats, with the ratio to
 *    scikit-learn's multiplicative updates measured on the issue's machine (fixed references, not run here).
 * Flags: --sizes 8x1000,14x2000  --iterations 50  --kmax 8  --restarts 20  --reference-restarts 1
 *        --issue-sizes 8x100000,14x1000000  --full-gflop 3000  --full  --slice-iterations 2,12  --no-browser
 *        --workers-only (section 3 alone)  --quick (section 3 alone on 100 of the 500 iterations, ~1 min)
 *        --workers-size 14x100000  --workers-restarts 2  --workers-kmax 8  --workers-iterations 500  --repeats 3  --pool 2
 */
import { availableParallelism, loadavg } from 'node:os';
import { runBrowserBench } from './harness/browser.ts';
import { formatTable, machineDescription, writeResults, type Row } from './harness/report.ts';
import { startNmfNodePool } from '../src/cli/commands/nmfWorkers.ts';
import { nmfCpu, nmfCpuOn } from '../src/lib/synergy/nmfCpu.ts';
import type { NmfRun } from '../src/lib/synergy/nmf.ts';
import type { NmfTaskRunner } from '../src/lib/synergy/nmfTasks.ts';
import { CPU_IMPLEMENTATIONS, NMF_FLOP_FORMULA, benchData, describeWork, fixedWorkSettings, nmfFlops, timeRun, type CpuImplementation, type NmfBenchSize, type NmfTiming, type NmfWork } from './nmfFlops.ts';
import type { AdapterSummary } from '../src/lib/backend.ts';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}
const parseSizes = (text: string): NmfBenchSize[] => text.split(',').map((s) => s.split('x').map(Number)).map(([m, n]) => ({ m, n }));
const kMax = Number(flag('kmax', '8'));
const restarts = Number(flag('restarts', '20'));
const scaledWork: NmfWork = { kMax, restarts, iterations: Number(flag('iterations', '50')) };
const issueWork: NmfWork = { kMax, restarts, iterations: 500 };

/** GFLOP/s ratios against the naive reference and against the path each new one replaced. */
function ratioRows(timings: NmfTiming[], extra: (t: NmfTiming) => Row = () => ({})): Row[] {
  const before: Record<string, string> = { 'cpu simd (after)': 'cpu scalar (before)', 'wgsl (after)': 'wgsl (before)' };
  return timings.map((t) => {
    const peer = (impl: string) => timings.find((o) => o.size === t.size && o.impl === impl);
    const replaced = before[t.impl] ? peer(before[t.impl]) : undefined;
    return {
      size: t.size,
      impl: t.impl,
      'measured work': t.work,
      'measured s': t.seconds,
      'GFLOP/s': t.gflops,
      ...extra(t),
      '× naive ref': t.gflops / (peer('naive reference')?.gflops ?? Number.NaN),
      '× before': replaced ? t.gflops / replaced.gflops : null,
    };
  });
}

const quick = process.argv.includes('--quick');
const workersOnly = quick || process.argv.includes('--workers-only');
console.log(`NMF benchmark. ${NMF_FLOP_FORMULA}; GFLOP/s = FLOP of the measured work / measured seconds.`);
let browser: { adapter: AdapterSummary; timings: NmfTiming[] } | undefined;
if (!workersOnly && !process.argv.includes('--no-browser')) {
  const sizes = parseSizes(flag('sizes', '8x1000,14x2000'));
  const result = await runBrowserBench<{ adapter: AdapterSummary; timings: NmfTiming[] }>('nmf', { sizes, work: scaledWork, referenceRestarts: Number(flag('reference-restarts', '1')) });
  const { adapter, timings } = result;
  browser = result;
  console.log(`\n1. Scaled sizes, f32, all in one headless Chromium page — WebGPU adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description} (fallback: ${adapter.isFallback})`);
  console.log(formatTable(ratioRows(timings)));
}

/**
 * An issue-size timing: the full work, or two slices of it (a and b iterations on `restarts`
 * restarts) whose difference gives the steady cost per iteration, without the one-off set-up (copies,
 * random starts), projected as restarts-scale × (t_a + per-iteration × (500 − a)).
 */
interface IssueTiming {
  size: string;
  impl: string;
  measured: string;
  seconds: number;
  gflops: number;
  fullSeconds: number;
  projected: boolean;
}

async function timeIssueSize(size: NmfBenchSize, impl: CpuImplementation, slice: { restarts: number; iterations: [number, number] } | undefined): Promise<IssueTiming> {
  const data = benchData(size, 2);
  const run = async (work: NmfWork) => {
    process.stderr.write(`  ${size.m} × ${size.n} ${impl}, ${describeWork(work)} …`);
    const timing = await timeRun(size, impl, work, () => CPU_IMPLEMENTATIONS[impl](data, work));
    process.stderr.write(` ${timing.seconds.toFixed(2)} s\n`);
    return timing;
  };
  if (!slice) {
    const full = await run(issueWork);
    return { size: full.size, impl, measured: full.work, seconds: full.seconds, gflops: full.gflops, fullSeconds: full.seconds, projected: false };
  }
  const [a, b] = slice.iterations;
  const short = await run({ kMax, restarts: slice.restarts, iterations: a });
  const long = await run({ kMax, restarts: slice.restarts, iterations: b });
  const perIteration = Math.max(long.seconds - short.seconds, 1e-9) / (b - a);
  const iterationFlop = nmfFlops(size.m, size.n, { kMax, restarts: slice.restarts, iterations: 1 });
  return {
    size: long.size,
    impl,
    measured: `${describeWork({ kMax, restarts: slice.restarts, iterations: b })} − ${a} it`,
    seconds: long.seconds,
    gflops: iterationFlop / perIteration / 1e9,
    fullSeconds: (issueWork.restarts / slice.restarts) * (short.seconds + perIteration * (issueWork.iterations - a)),
    projected: true,
  };
}

const issue: IssueTiming[] = [];
if (!workersOnly) {
  // Warm-up: JIT and wasm tier-up on a small problem, so the timings measure steady code.
  for (const impl of Object.keys(CPU_IMPLEMENTATIONS) as CpuImplementation[]) await CPU_IMPLEMENTATIONS[impl](benchData({ m: 8, n: 2000 }), { kMax: 3, restarts: 2, iterations: 20 });
  const fullLimitFlop = process.argv.includes('--full') ? Infinity : Number(flag('full-gflop', '3000')) * 1e9;
  const [sliceFrom, sliceTo] = flag('slice-iterations', '2,12').split(',').map(Number);
  for (const size of parseSizes(flag('issue-sizes', '8x100000,14x1000000'))) {
    const simdRunsFully = nmfFlops(size.m, size.n, issueWork) <= fullLimitFlop;
    issue.push(await timeIssueSize(size, 'cpu simd (after)', simdRunsFully ? undefined : { restarts: issueWork.restarts, iterations: [sliceFrom, sliceTo] }));
    issue.push(await timeIssueSize(size, 'cpu scalar (before)', { restarts: 1, iterations: [1, 3] }));
    issue.push(await timeIssueSize(size, 'naive reference', { restarts: 1, iterations: [1, 2] }));
  }
  const fullColumn = `full work s (${describeWork(issueWork)})`;
  console.log(`\n2. Issue sizes on the CPU paths, Node ${process.version}, one thread. "measured work" names the run timed (a − b it: GFLOP/s from the`);
  console.log('   difference of two runs); PROJECTED = (20 restarts / restarts timed) × (t_a + per-iteration × (500 − a)), not run to the end:');
  console.log(formatTable(ratioRows(
    issue.map((t) => ({ size: t.size, impl: t.impl, work: t.measured, seconds: t.seconds, gflops: t.gflops })),
    (t) => {
      const full = issue.find((o) => o.size === t.size && o.impl === t.impl)!;
      return { [fullColumn]: full.projected ? `${full.fullSeconds.toFixed(0)} PROJECTED` : `${full.fullSeconds.toFixed(1)} measured` };
    },
  )));
}

/**
 * Section 3: the CPU path on one thread (nmfCpu, in this thread) vs the worker pool (nmfCpuOn on
 * worker_threads, started once before the timings; its start is reported apart), the same data and
 * settings, runs interleaved so that both see the same machine load, min of the repeats.
 */
const SKLEARN_MU_F32_GFLOPS = { oneThread: [11.0, 11.2], twoThreads: [12.9, 13.1] } as const;
const poolSize = Number(flag('pool', '2'));
const [poolM, poolN] = flag('workers-size', '14x100000').split('x').map(Number);
const poolFullWork: NmfWork = { kMax: Number(flag('workers-kmax', '8')), restarts: Number(flag('workers-restarts', '2')), iterations: 500 };
const poolWork: NmfWork = { ...poolFullWork, iterations: Number(flag('workers-iterations', quick ? '100' : '500')) };
const repeats = Number(flag('repeats', quick ? '2' : '3'));
const poolData = benchData({ m: poolM, n: poolN }, 2);
const poolSettings = fixedWorkSettings(poolWork);
console.log(`\n3. One thread vs ${poolSize} workers, Node ${process.version}, ${machineDescription().cpu}, ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the start`);
let poolStartSeconds = performance.now();
const nodePool = startNmfNodePool(poolSize);
/** Seconds each worker spent in tasks during the current run: how evenly the queue split the sweep. */
const workerBusy = nodePool.runners.map(() => 0);
const pooled = nmfCpuOn(nodePool.runners.map((runner, w): NmfTaskRunner => ({
  load: (data) => runner.load(data),
  fit: async (task, settings, progress) => {
    const started = performance.now();
    try {
      return await runner.fit(task, settings, progress);
    } finally {
      workerBusy[w] += (performance.now() - started) / 1000;
    }
  },
})));
const warmUp = benchData({ m: poolM, n: 4000 }, 3);
await pooled(warmUp, fixedWorkSettings({ kMax: poolWork.kMax, restarts: poolWork.restarts, iterations: 30 }));
poolStartSeconds = (performance.now() - poolStartSeconds) / 1000;
await nmfCpu(warmUp, fixedWorkSettings({ kMax: poolWork.kMax, restarts: poolWork.restarts, iterations: 30 }));
const contenders: [string, () => Promise<NmfRun>][] = [
  ['1 thread (nmfCpu)', () => nmfCpu(poolData, poolSettings)],
  [`${poolSize} workers (worker_threads)`, () => pooled(poolData, poolSettings)],
];
const poolSeconds = contenders.map(() => [] as number[]);
/** CPU seconds of the whole process (all its threads) per wall second: on a shared machine, the cores a run actually got. */
const poolCores = contenders.map(() => [] as number[]);
const poolBusy = contenders.map(() => [] as string[]);
const poolRuns: NmfRun[] = [];
for (let repeat = 0; repeat < repeats; repeat++) {
  for (const [index, [label, solve]] of contenders.entries()) {
    process.stderr.write(`  ${poolM} × ${poolN} ${label}, ${describeWork(poolWork)}, repeat ${repeat + 1}/${repeats} …`);
    workerBusy.fill(0);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    poolRuns[index] = await solve();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    poolSeconds[index].push(seconds);
    poolCores[index].push((cpu.user + cpu.system) / 1e6 / seconds);
    poolBusy[index].push(index === 1 ? workerBusy.map((v) => v.toFixed(2)).join(' / ') : '—');
    const balance = index === 1 ? `, seconds in tasks per worker ${poolBusy[index].at(-1)}` : '';
    process.stderr.write(` ${seconds.toFixed(2)} s, ${poolCores[index].at(-1)!.toFixed(2)} cores busy${balance}\n`);
  }
}
await nodePool.close();
const identical = JSON.stringify(poolRuns[0].vafByRestart) === JSON.stringify(poolRuns[1].vafByRestart)
  && poolRuns[0].best.every((fit, k) => fit.restart === poolRuns[1].best[k].restart && fit.w.every((v, i) => v === poolRuns[1].best[k].w[i]));
const poolFlop = nmfFlops(poolM, poolN, poolWork);
const pool = contenders.map(([label], index) => {
  const best = poolSeconds[index].indexOf(Math.min(...poolSeconds[index]));
  const seconds = poolSeconds[index][best];
  const gflops = poolFlop / seconds / 1e9;
  return { impl: label, seconds, all: poolSeconds[index], cores: poolCores[index][best], busy: poolBusy[index][best], gflops };
});
const range = ([low, high]: readonly number[], gflops: number) => `${(gflops / high).toFixed(2)}–${(gflops / low).toFixed(2)}`;
const fullColumnPool = `full work s (${describeWork(poolFullWork)})`;
console.log(`   ${poolM} × ${poolN}, measured work ${describeWork(poolWork)}, f32; pool start (workers + tier-up) ${poolStartSeconds.toFixed(2)} s, not in the times;`);
console.log('   "cores busy" = CPU seconds of all the process threads / wall seconds in the min run (below ~1.9 for the pool: the machine was shared);');
console.log('   "GFLOP/s per busy core" is the kernel speed per core whatever the load.');
console.log(`   same run on both (every VAF, chosen restart and W bit for bit): ${identical ? 'yes' : 'NO'}. scikit-learn MU f32 on the issue's machine (fixed`);
console.log(`   references, not measured here): ${SKLEARN_MU_F32_GFLOPS.oneThread.map((v) => v.toFixed(1)).join('–')} GFLOP/s on 1 thread, ${SKLEARN_MU_F32_GFLOPS.twoThreads.map((v) => v.toFixed(1)).join('–')} on 2 threads.`);
console.log(formatTable(pool.map((t) => ({
  impl: t.impl,
  'min s': t.seconds,
  [`all s (${repeats} repeats)`]: t.all.map((v) => v.toFixed(2)).join(' '),
  'cores busy': t.cores,
  's in tasks per worker': t.busy,
  'GFLOP/s': t.gflops,
  'GFLOP/s per busy core': t.gflops / t.cores,
  [fullColumnPool]: poolWork.iterations === poolFullWork.iterations ? `${t.seconds.toFixed(1)} measured` : `${((t.seconds * poolFullWork.iterations) / poolWork.iterations).toFixed(1)} PROJECTED`,
  '× 1 thread': t.gflops / pool[0].gflops,
  '× sklearn 1 thread': range(SKLEARN_MU_F32_GFLOPS.oneThread, t.gflops),
  '× sklearn 2 threads': range(SKLEARN_MU_F32_GFLOPS.twoThreads, t.gflops),
}))));
if (!identical) process.exitCode = 1;

console.log(`\nresults: ${writeResults('nmf', { formula: NMF_FLOP_FORMULA, scaledWork, issueWork, browser, issue, pool: { work: poolWork, size: `${poolM}x${poolN}`, poolStartSeconds, identical, timings: pool } })}`);
