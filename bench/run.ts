/**
 * `npm run bench`: matmul GFLOP/s of our WGSL kernel, tfjs-webgpu and tfjs-wasm, side by side, in
 * headless Chromium (WebGPU on the adapter it finds: SwiftShader on machines without a GPU).
 * `--quick` uses small shapes.
 */
import { runBrowserBench } from './harness/browser.ts';
import { formatTable, writeResults } from './harness/report.ts';
import { MATMUL_SHAPES, type MatmulTiming } from './matmulShapes.ts';
import { matmulRatioRows } from './matmulTable.ts';
import type { AdapterSummary } from '../src/lib/backend.ts';

const quick = process.argv.includes('--quick');
const shapes = quick ? MATMUL_SHAPES.quick : MATMUL_SHAPES.full;

const { adapter, tfWasmThreads, timings } = await runBrowserBench<{ adapter: AdapterSummary; tfWasmThreads: boolean; timings: MatmulTiming[] }>(
  'matmul',
  { shapes, budgetMs: quick ? 500 : 3000 },
);

const rows = matmulRatioRows(shapes, timings, ['wgsl', 'tfjs-webgpu', 'tfjs-wasm']);
console.log(`\nMatmul, f32, in headless Chromium — adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description} (fallback: ${adapter.isFallback}); tfjs-wasm threads: ${tfWasmThreads}`);
console.log(formatTable(rows));
console.log(`\nresults: ${writeResults('matmul', { adapter, rows, timings })}`);
