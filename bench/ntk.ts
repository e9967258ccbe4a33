/**
 * `npm run bench:ntk`: full-batch GD steps/s of the two-layer ReLU network on the CPU path (typed-array
 * loops, Node), n = 400 on S⁴, at m = 4,096 and 65,536, plus one kernel GD step (n = 400) for scale.
 * The WebGPU path is not built yet (see docs/ntk.md), so there is no GPU row.
 * Flags: --n 400 --d 5 --widths 4096,65536 --steps 5
 */
import { formatTable, machineDescription, writeResults, type Row } from './harness/report.ts';
import { ntkMatrix } from '../src/lib/ntk/kernel.ts';
import { runKernelGd } from '../src/lib/ntk/kernelGd.ts';
import { initNetwork, trainNetwork } from '../src/lib/ntk/network.ts';
import { sampleSphere } from '../src/lib/ntk/sphere.ts';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}
const n = Number(flag('n', '400'));
const d = Number(flag('d', '5'));
const widths = flag('widths', '4096,65536').split(',').map(Number);
const steps = Number(flag('steps', '5'));

const { x } = sampleSphere({ n, d, law: 'uniform', seed: 1 });
const y = Float64Array.from({ length: n }, (_, i) => Math.sin(Math.PI * x[i * d]));
const empty = new Float64Array(0);
const rows: Row[] = [];
for (const m of widths) {
  const net = initNetwork({ m, d, seed: 0 });
  trainNetwork({ net, x, y, xTest: empty, yTest: empty, eta: 1, steps: 1, evalSteps: [] }); // warm-up (JIT)
  const start = performance.now();
  trainNetwork({ net, x, y, xTest: empty, yTest: empty, eta: 1, steps, evalSteps: [] });
  const seconds = (performance.now() - start) / 1000;
  const flops = steps * 4 * n * m * d; // forward z = Wx and backward Σ e·x, a multiply-add each
  rows.push({ path: 'cpu (typed arrays)', n, d, m, steps, 'steps/s': steps / seconds, 'GFLOP/s': flops / seconds / 1e9, 'projected 1000 steps (s)': (1000 * seconds) / steps });
}
const k = ntkMatrix(x, x, d);
const kStart = performance.now();
runKernelGd({ k, kTest: new Float64Array(0), y, yTest: empty, eta: 1, steps: 100 });
const kSeconds = (performance.now() - kStart) / 1000;
rows.push({ path: 'kernel GD (cpu)', n, d, m: '—', steps: 100, 'steps/s': 100 / kSeconds, 'GFLOP/s': (100 * 2 * n * n) / kSeconds / 1e9, 'projected 1000 steps (s)': 10 * kSeconds });
console.log(formatTable(rows));
console.log(`machine: ${JSON.stringify(machineDescription())}`);
console.log(`results: ${writeResults('ntk', { rows, machine: machineDescription() })}`);
