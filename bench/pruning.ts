/**
 * `npm run bench:prune-kernels`: FASP's WGSL kernels against their CPU twins (float64 TypeScript) at
 * OPT-125M layer sizes, side by side in one headless Chromium page. Without a GPU, WebGPU runs on
 * SwiftShader (~0.2 GFLOP/s), so the default sizes keep the run to a few minutes; `--full` adds the
 * fc2-sized Gram over 2048 tokens and the fc2-sized restoration (minutes more on SwiftShader).
 */
import { runBrowserBench } from './harness/browser.ts';
import { formatTable, writeResults } from './harness/report.ts';
import type { PruningBenchCase, PruningTiming } from './pruning.browser.ts';
import type { AdapterSummary } from '../src/lib/backend.ts';

const full = process.argv.includes('--full');
const D = 768; // OPT-125M hidden size (out_proj input width, consumer rows)
const F = 3072; // OPT-125M FFN width (fc2 input width)
const S = 0.2;

const CASES: PruningBenchCase[] = [
  { kernel: 'gram', label: `Gram out_proj input 2048×${D}`, tokens: 2048, n: D, d: D, sparsity: S },
  { kernel: 'gram', label: `Gram fc2 input ${full ? 2048 : 256}×${F}`, tokens: full ? 2048 : 256, n: F, d: D, sparsity: S },
  { kernel: 'columnNorms', label: `‖X_j‖² fc2 input 2048×${F}`, tokens: 2048, n: F, d: D, sparsity: S },
  { kernel: 'scoreTopK', label: `scores + top-k fc2 ${D}×${F}, s=${S}`, tokens: 2048, n: F, d: D, sparsity: S },
  { kernel: 'compact', label: `compact fc1/fc2 ${F}→${F - Math.round(S * F)}`, tokens: 0, n: F, d: D, sparsity: S },
  { kernel: 'restore', label: `restore out_proj ${D}→${D - Math.round(S * D)}`, tokens: 2048, n: D, d: D, sparsity: S },
  ...(full ? [{ kernel: 'restore' as const, label: `restore fc2 ${F}→${F - Math.round(S * F)}`, tokens: 4096, n: F, d: D, sparsity: S }] : []),
];

const { adapter, timings } = await runBrowserBench<{ adapter: AdapterSummary; timings: PruningTiming[] }>('pruning', { cases: CASES });

const rows = timings.map((t) => ({
  case: t.label,
  'GPU ms': t.gpuMs,
  'CPU ms': t.cpuMs,
  'CPU / GPU': t.cpuMs / t.gpuMs,
  'GPU GFLOP/s': t.flops > 0 ? t.flops / (t.gpuMs * 1e6) : null,
  'CPU GFLOP/s': t.flops > 0 ? t.flops / (t.cpuMs * 1e6) : null,
  'GPU vs CPU': t.relativeError,
}));

console.log(`\nFASP kernels vs CPU twins (f64 TypeScript) — adapter: ${adapter.vendor} ${adapter.architecture} ${adapter.description} (fallback: ${adapter.isFallback})`);
console.log('"GPU vs CPU": max relative difference of the results (for top-k: fraction of kept indices that differ)');
console.log(formatTable(rows));
console.log(`\nresults: ${writeResults('pruning-kernels', { adapter, full, rows, timings })}`);
