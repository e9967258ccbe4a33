/**
 * `npm run bench:nmf`: batched NMF (k = 1…kMax × restarts × fixed iterations), side by side in one run:
 * 1. scaled sizes in headless Chromium, one page, same data: WGSL (WebGPU on the adapter found —
 *    SwiftShader on a machine without a GPU, ~0.2 GFLOP/s), the CPU path (WebAssembly SIMD) and the
 *    scalar loop it replaced, and the naive reference;
 * 2. the issue's sizes (8 × 100 000 and 14 × 1 000 000, k = 1…8 × 20 restarts × 500 iterations) in
 *    Node on the CPU paths. The SIMD path runs the full work where it is at most --full-gflop GFLOP
 *    (or everything with --full); the rest, and the slow paths, are timed on a slice of the work and
 *    PROJECTED linearly to the full work (fixed iterations: every iteration costs the same), labelled so.
 * Flags: --sizes 8x1000,14x2000  --iterations 50  --kmax 8  --restarts 20  --reference-restarts 1
 *        --issue-sizes 8x100000,14x1000000  --full-gflop 3000  --full  --slice-iterations 10  --no-browser
 */
import { runBrowserBench } from './harness/browser.ts';
import { formatTable, writeResults, type Row } from './harness/report.ts';
import { CPU_IMPLEMENTATIONS, NMF_FLOP_FORMULA, benchData, describeWork, nmfFlops, timeRun, type NmfBenchSize, type NmfTiming, type NmfWork } from './nmfFlops.ts';
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

console.log(`NMF benchmark. ${NMF_FLOP_FORMULA}; GFLOP/s = FLOP of the measured work / measured seconds.`);
let browser: { adapter: AdapterSummary; timings: NmfTiming[] } | undefined;
if (!process.argv.includes('--no-browser')) {
  const sizes = parseSizes(flag('sizes', '8x1000,14x2000'));
  const result = await runBrowserBench<{ adapter: AdapterSummary; timings: NmfTiming[] }>('nmf', { sizes, work: scaledWork, referenceRestarts: Number(flag('reference-restarts', '1')) });
  const { adapter, timings } = result;
  browser = result;
  console.log(`\n1. Scaled sizes, f32, all in one headless Chromium page — WebGPU adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description} (fallback: ${adapter.isFallback})`);
  console.log(formatTable(ratioRows(timings)));
}

const issue: NmfTiming[] = [];
const fullSeconds = new Map<NmfTiming, { seconds: number; projected: boolean }>();
const fullLimitFlop = process.argv.includes('--full') ? Infinity : Number(flag('full-gflop', '3000')) * 1e9;
const sliceIterations = Number(flag('slice-iterations', '10'));
for (const size of parseSizes(flag('issue-sizes', '8x100000,14x1000000'))) {
  const data = benchData(size, 2);
  const fullFlop = nmfFlops(size.m, size.n, issueWork);
  const runs: [keyof typeof CPU_IMPLEMENTATIONS, NmfWork][] = [
    ['cpu simd (after)', fullFlop <= fullLimitFlop ? issueWork : { ...issueWork, iterations: sliceIterations }],
    ['cpu scalar (before)', { kMax, restarts: 1, iterations: 2 }],
    ['naive reference', { kMax, restarts: 1, iterations: 1 }],
  ];
  for (const [impl, work] of runs) {
    process.stderr.write(`  ${size.m} × ${size.n} ${impl}, ${describeWork(work)} …\n`);
    const timing = await timeRun(size, impl, work, () => CPU_IMPLEMENTATIONS[impl](data, work));
    issue.push(timing);
    const measuredFlop = nmfFlops(size.m, size.n, work);
    fullSeconds.set(timing, { seconds: timing.seconds * (fullFlop / measuredFlop), projected: measuredFlop < fullFlop });
    process.stderr.write(`    ${timing.seconds.toFixed(2)} s, ${timing.gflops.toFixed(3)} GFLOP/s\n`);
  }
}
const fullColumn = `full work s (${describeWork(issueWork)})`;
console.log(`\n2. Issue sizes on the CPU paths, Node ${process.version}, one thread; "PROJECTED" = measured slice × (full FLOP / slice FLOP), not run to the end:`);
console.log(formatTable(ratioRows(issue, (t) => {
  const full = fullSeconds.get(t)!;
  return { [fullColumn]: full.projected ? `${full.seconds.toFixed(0)} PROJECTED` : `${full.seconds.toFixed(1)} measured` };
})));
console.log(`\nresults: ${writeResults('nmf', { formula: NMF_FLOP_FORMULA, scaledWork, issueWork, browser, issue: issue.map((t) => ({ ...t, full: fullSeconds.get(t) })) })}`);
