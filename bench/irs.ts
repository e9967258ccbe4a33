/**
 * `npm run bench:irs`: IRS heatmap cells/s of the WGSL kernel and of its CPU twin, side by side, on the
 * campus scenario for 256² … 1024² grids with 1–16 IRSs; the CPU path's drag step; and the placement
 * optimiser's time with each scorer. Runs in headless Chromium (WebGPU on the adapter it finds:
 * SwiftShader on machines without a GPU, where the kernel's sizes are capped). `--quick`: small sizes.
 */
import os from 'node:os';
import { runBrowserBench } from './harness/browser.ts';
import { formatTable, writeResults } from './harness/report.ts';
import type { HeatmapCase, HeatmapTiming } from './irs.browser.ts';
import type { AdapterSummary } from '../src/lib/backend.ts';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [64, 128] : [256, 512, 1024];
const IRS_COUNTS = quick ? [1, 4] : [1, 4, 16];
const cases: HeatmapCase[] = SIZES.flatMap((longSide) => IRS_COUNTS.map((irs) => ({ longSide, irs })));

interface OptimiserTiming {
  impl: string;
  ms: number;
  options: number;
  objective: number;
  baseline: number;
}

const result = await runBrowserBench<{ adapter: AdapterSummary; timings: HeatmapTiming[]; optimiser: { sites: number; count: number; gridLongSide: number; timings: OptimiserTiming[] } }>('irs', {
  cases,
  // A software adapter runs WGSL ~100× slower than a GPU: cap the kernel's work there.
  maxGpuWork: quick ? 2e5 : 2.5e6,
  cpuBudgetS: quick ? 0.5 : 4,
  optimiser: { count: 2, spacingM: quick ? 60 : 25, gridLongSide: quick ? 24 : 48 },
});

const rows = cases.map((c) => {
  const of = (impl: HeatmapTiming['impl']) => result.timings.find((t) => t.longSide === c.longSide && t.irs === c.irs && t.impl === impl);
  const wgsl = of('wgsl')!;
  const twin = of('cpu-twin')!;
  const drag = of('cpu-drag-step');
  return {
    grid: `${c.longSide}² (${wgsl.cells} cells)`,
    IRSs: c.irs,
    'wgsl cells/s': wgsl.cellsPerSecond,
    'wgsl ms': wgsl.ms,
    'cpu twin cells/s': twin.cellsPerSecond,
    'cpu twin ms': twin.ms,
    'wgsl / cpu': wgsl.cellsPerSecond && twin.cellsPerSecond ? wgsl.cellsPerSecond / twin.cellsPerSecond : null,
    'cpu rows timed': `${twin.sampledRows}`,
    'cpu drag step ms': drag?.ms ?? null,
  };
});

const { adapter, optimiser } = result;
console.log(`\nIRS heatmap, campus scenario (route mode best) — adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description} (fallback: ${adapter.isFallback}); CPU: ${os.cpus()[0]?.model} × ${os.cpus().length}`);
console.log('wgsl: kernel + a 4-byte read-back; cpu twin: snrGridCpu (cold); "cpu rows timed" < rows: a strided subset timed, ms extrapolated; "—": capped on a software adapter.');
console.log(formatTable(rows));
console.log(`\nPlacement optimiser: ${optimiser.count} passive IRSs among ${optimiser.sites} wall sites × 1 facing, coverage on a ${optimiser.gridLongSide}-cell grid`);
const optimiserRows = optimiser.timings.map((t) => ({ scorer: t.impl, ms: t.ms, options: t.options, 'coverage before': t.baseline, 'coverage after': t.objective }));
const [gpuRun, cpuRun] = optimiser.timings;
console.log(formatTable(optimiserRows));
console.log(`wgsl / cpu optimiser speed: ${(cpuRun.ms / gpuRun.ms).toFixed(2)}×`);
console.log(`\nresults: ${writeResults('irs', { adapter, rows, optimiser, timings: result.timings })}`);
