/**
 * `npm run bench`: matmul GFLOP/s of our WGSL kernel, tfjs-webgpu and tfjs-wasm, side by side, in
 * headless Chromium (WebGPU on the adapter it finds: SwiftShader on machines without a GPU).
 * `npm run bench -- --quick` uses smaller shapes.
 */
import { runBrowserBench } from './harness/browser.ts';
import { formatTable, writeResults } from './harness/report.ts';
import type { MatmulShape, MatmulTiming } from './matmul.browser.ts';
import type { AdapterSummary } from '../src/lib/backend.ts';

const quick = process.argv.includes('--quick');

const SHAPES: MatmulShape[] = quick
  ? [
      { label: 'square 128', m: 128, k: 128, n: 128 },
      { label: 'odd 100×70·70×90', m: 100, k: 70, n: 90 },
    ]
  : [
      { label: 'square 256', m: 256, k: 256, n: 256 },
      { label: 'square 512', m: 512, k: 512, n: 512 },
      { label: 'OPT-125M qkv 128×768·768×768', m: 128, k: 768, n: 768 },
      { label: 'OPT-125M fc1 512×768·768×3072', m: 512, k: 768, n: 3072 },
    ];

const { adapter, tfWasmThreads, timings } = await runBrowserBench<{ adapter: AdapterSummary; tfWasmThreads: boolean; timings: MatmulTiming[] }>(
  'matmul',
  { shapes: SHAPES, budgetMs: quick ? 500 : 3000 },
);

const rows = SHAPES.map((shape) => {
  const of = (impl: string) => timings.find((t) => t.shape === shape.label && t.impl === impl)!;
  const wgsl = of('wgsl');
  const tfWebgpu = of('tfjs-webgpu');
  const tfWasm = of('tfjs-wasm');
  return {
    shape: shape.label,
    'wgsl GFLOP/s': wgsl.gflops,
    'tfjs-webgpu GFLOP/s': tfWebgpu.gflops,
    'tfjs-wasm GFLOP/s': tfWasm.gflops,
    'wgsl / tfjs-webgpu': wgsl.gflops / tfWebgpu.gflops,
    'wgsl / tfjs-wasm': wgsl.gflops / tfWasm.gflops,
  };
});

console.log(`\nMatmul, f32 — adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description} (fallback: ${adapter.isFallback}); tfjs-wasm threads: ${tfWasmThreads}`);
console.log(formatTable(rows));
console.log(`\nresults: ${writeResults('matmul', { adapter, rows, timings })}`);
