/**
 * The matmul benchmark under Node: our WGSL kernel through the `webgpu` package (Dawn, on Vulkan) where
 * a GPU exists, next to tfjs-wasm on the CPU. Bundled by `npm run bench:node` (scripts/bundleNode.ts)
 * into .gpu/matmul.node.mjs, which is what a lent GPU machine runs (../shared/GPU-BENCH.md).
 * Without an adapter it says so and times the CPU path only.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { adapterLabel } from '../../src/lib/backend.ts';
import { formatTable, machineDescription } from '../harness/report.ts';
import { benchMatmul } from '../matmul.ts';
import { MATMUL_SHAPES } from '../matmulShapes.ts';
import { matmulRatioRows } from '../matmulTable.ts';
import { openNodeGpu } from './nodeGpu.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const shapes = quick ? MATMUL_SHAPES.quick : [...MATMUL_SHAPES.full, { label: 'square 4096', m: 4096, k: 4096, n: 4096 }];

const gpu = await openNodeGpu();
console.error(gpu ? `adapter: ${adapterLabel(gpu.adapter)} (fallback ${gpu.adapter.isFallback})` : 'no WebGPU adapter in Node here: timing the CPU path only');
setWasmPaths(`${here}${path.sep}`);
const timings = await benchMatmul({
  gpu,
  tf,
  useTfBackend: async (name) => name === 'wasm' && (await tf.setBackend('wasm')),
  tfBackends: ['wasm'],
  shapes: gpu ? shapes : shapes.filter((s) => s.m * s.n * s.k <= 2 ** 30),
  budgetMs: quick ? 300 : 2000,
  log: (line) => console.error(line),
});
const rows = matmulRatioRows(shapes, timings, gpu ? ['wgsl', 'tfjs-wasm'] : ['tfjs-wasm']);
console.error(`\nMatmul, f32, Node ${process.version} — ${gpu ? adapterLabel(gpu.adapter) : 'no GPU'}`);
console.error(formatTable(rows));
console.log(JSON.stringify({ name: 'matmul-node', machine: machineDescription(), adapter: gpu?.adapter ?? null, rows, timings }));
gpu?.destroy();
