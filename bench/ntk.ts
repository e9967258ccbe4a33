/**
 * `npm run bench:ntk`: full-batch GD steps/s of the two-layer ReLU network, n = 400 on S⁴, at m = 4,096
 * and 65,536, on the paths side by side: the typed-array CPU reference (f64 loops), tfjs-wasm (f32,
 * XNNPACK/SIMD; the CLI's and the page's CPU path), and tfjs-webgpu where a hardware adapter exists
 * (under Node through the `webgpu` package, Dawn; software adapters are skipped as DESIGN §2 says, so
 * this machine's row says "no adapter"). Plus kernel GD (n = 400) for scale.
 * Flags: --n 400 --d 5 --widths 4096,65536 --steps 5 (typed arrays) --tf-steps 20 (tfjs)
 */
import { formatTable, machineDescription, writeResults, type Row } from './harness/report.ts';
import { ntkMatrix } from '../src/lib/ntk/kernel.ts';
import { runKernelGd } from '../src/lib/ntk/kernelGd.ts';
import { initNetwork, trainNetwork, type NetworkTrainer } from '../src/lib/ntk/network.ts';
import { trainNetworkTf, type Tf } from '../src/lib/ntk/networkTf.ts';
import { sampleSphere } from '../src/lib/ntk/sphere.ts';
import { openNodeTfWebgpu, useTfBackend } from './harness/tfWebgpu.ts';
import { nodeTf } from '../src/lib/opt/cpu/nodeTf.ts';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}
const n = Number(flag('n', '400'));
const d = Number(flag('d', '5'));
const widths = flag('widths', '4096,65536').split(',').map(Number);
const cpuSteps = Number(flag('steps', '5'));
const tfSteps = Number(flag('tf-steps', '20'));

const tf = (await nodeTf()) as unknown as Tf;
const { x } = sampleSphere({ n, d, law: 'uniform', seed: 1 });
const y = Float64Array.from({ length: n }, (_, i) => Math.sin(Math.PI * x[i * d]));
const empty = new Float64Array(0);
const { missing: webgpuMissing, label: webgpuLabel } = await openNodeTfWebgpu();
const onBackend = (name: 'wasm' | 'webgpu') => useTfBackend(tf, name);
const paths: { name: string; steps: number; train: NetworkTrainer }[] = [
  { name: 'cpu reference (typed arrays, f64)', steps: cpuSteps, train: trainNetwork },
  { name: 'tfjs wasm (f32)', steps: tfSteps, train: async (options) => (await onBackend('wasm'), trainNetworkTf(tf, options)) },
  ...(webgpuMissing ? [] : [{ name: 'tfjs webgpu (f32)', steps: tfSteps, train: async (options: Parameters<NetworkTrainer>[0]) => (await onBackend('webgpu'), trainNetworkTf(tf, options)) }]),
];
const rows: Row[] = [];
for (const m of widths) {
  const perPath: Record<string, number> = {};
  for (const path of paths) {
    const net = initNetwork({ m, d, seed: 0 });
    await path.train({ net, x, y, xTest: empty, yTest: empty, eta: 1, steps: 1, evalSteps: [] }); // warm-up (JIT, wasm kernels)
    const start = performance.now();
    await path.train({ net, x, y, xTest: empty, yTest: empty, eta: 1, steps: path.steps, evalSteps: [] });
    const seconds = (performance.now() - start) / 1000;
    const flops = path.steps * 4 * n * m * d; // forward H = XWᵀ and backward maskᵀ(rX), a multiply-add each
    perPath[path.name] = path.steps / seconds;
    rows.push({ path: path.name, n, d, m, steps: path.steps, 'steps/s': path.steps / seconds, 'GFLOP/s': flops / seconds / 1e9, 'projected 1000 steps (s)': (1000 * seconds) / path.steps, 'vs cpu reference': perPath[path.name] / perPath[paths[0].name] });
  }
  if (webgpuMissing) rows.push({ path: 'tfjs webgpu', n, d, m, steps: '—', 'steps/s': webgpuMissing, 'GFLOP/s': '—', 'projected 1000 steps (s)': '—', 'vs cpu reference': '—' });
}
const k = ntkMatrix(x, x, d);
const kStart = performance.now();
runKernelGd({ k, kTest: new Float64Array(0), y, yTest: empty, eta: 1, steps: 100 });
const kSeconds = (performance.now() - kStart) / 1000;
rows.push({ path: 'kernel GD (typed arrays)', n, d, m: '—', steps: 100, 'steps/s': 100 / kSeconds, 'GFLOP/s': (100 * 2 * n * n) / kSeconds / 1e9, 'projected 1000 steps (s)': 10 * kSeconds, 'vs cpu reference': '—' });
console.log(formatTable(rows));
console.log(`webgpu: ${webgpuMissing ?? webgpuLabel}`);
await onBackend('wasm');
console.log(`tfjs: ${tf.getBackend()}, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')}`);
console.log(`machine: ${JSON.stringify(machineDescription())}; load average ${(await import('node:os')).loadavg().map((v) => v.toFixed(1)).join(' ')}`);
console.log(`results: ${writeResults('ntk', { rows, machine: machineDescription() })}`);
