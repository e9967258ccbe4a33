/**
 * The GPU pruning benchmark under Node (`npm run bench:gpu`, body in bench/gpuPrune.ts): FASP on an
 * OPT-125M-shaped random model end to end on the GPU through the `webgpu` package (Dawn). Bundled by
 * scripts/bundleNode.ts into .gpu/prune.node.mjs, which a machine with a Vulkan GPU runs without
 * `npm install`. Without an adapter it prints "no adapter" and exits 0.
 *   node .gpu/prune.node.mjs [--tiny] [--f16] [--windows N] [--seq-len L] [--sparsity s]
 * (--f16: the model's weight matrices stored as halves, read as f32.)
 * Tables go to stderr, one JSON line to stdout.
 */
import { benchGpuPrune, watchBuffers } from '../gpuPrune.ts';
import { machineDescription } from '../harness/report.ts';
import { openNodeGpu } from './nodeGpu.ts';

const args = process.argv.slice(2);
const value = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : fallback;
};
const tiny = args.includes('--tiny');

const gpu = await openNodeGpu();
if (!gpu) {
  console.log('no adapter: the GPU pruning benchmark needs a WebGPU adapter (Dawn on Vulkan); nothing to time here');
  process.exit(0);
}
const ledger = watchBuffers(gpu.device);
const result = await benchGpuPrune(gpu, ledger, {
  tiny,
  weightPrecision: args.includes('--f16') ? 'f16' : 'f32',
  // Default: 2 × 2048 = 4,096 tokens, the calibration of the CPU measurement in issue 19's table.
  windows: value('--windows', tiny ? 4 : 2),
  seqLen: value('--seq-len', tiny ? 64 : 2048),
  sparsity: value('--sparsity', 0.2),
  log: (line) => console.error(line),
});
console.log(JSON.stringify({ ...result, machine: machineDescription() }));
gpu.destroy();
