/**
 * `npm run bench:brain`: training steps/s of the three brain decoders (MLP, CNN, Transformer; one CLIP-loss
 * Adam step on a batch of 64 responses of V = side² voxels → d = 32), on tfjs-wasm (the CLI's and the
 * page's CPU path) and tfjs-webgpu where a hardware adapter exists (under Node through the `webgpu`
 * package, Dawn; software adapters are skipped as DESIGN §2 says, so such a row says "no adapter").
 * Also the projected time of the page's default preset (950 MLP steps) from the measured rate.
 * Flags: --side 32 --batch 64 --steps 20 --archs mlp,cnn,transformer
 */
import { formatTable, machineDescription, writeResults, type Row } from './harness/report.ts';
import { openNodeTfWebgpu, useTfBackend } from './harness/tfWebgpu.ts';
import { makeDecoder, parameterCount, type Arch, type Tf } from '../src/lib/brain/decoders.ts';
import { trainDecoder, type PooledData } from '../src/lib/brain/train.ts';
import { nodeTf } from '../src/lib/opt/cpu/nodeTf.ts';
import { registerWasmConvFilterGrad } from '../src/lib/train/wasmConvFilterGrad.ts';
import { Rng } from '../src/lib/util/random.ts';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}
const side = Number(flag('side', '32'));
const batch = Number(flag('batch', '64'));
const steps = Number(flag('steps', '20'));
const archs = flag('archs', 'mlp,cnn,transformer').split(',') as Arch[];
const featureDim = 32;
const stimuli = 256;
const voxels = side * side;

const tf = (await nodeTf()) as unknown as Tf;
registerWasmConvFilterGrad();

const { missing: webgpuMissing, label: webgpuLabel } = await openNodeTfWebgpu();
const onBackend = (name: 'wasm' | 'webgpu') => useTfBackend(tf, name);

const rng = new Rng(1);
const data: PooledData = {
  voxels,
  featureDim,
  responses: [rng.fillNormal(new Float32Array(stimuli * voxels)), rng.fillNormal(new Float32Array(stimuli * voxels))],
  targets: rng.fillNormal(new Float32Array(stimuli * featureDim)),
};
const trainingStimuli = Array.from({ length: stimuli }, (_, i) => i);
const backends: ('wasm' | 'webgpu')[] = webgpuMissing ? ['wasm'] : ['wasm', 'webgpu'];
const rows: Row[] = [];
const perArch: Record<string, number> = {};
for (const arch of archs) {
  for (const backend of backends) {
    await onBackend(backend);
    const decoder = makeDecoder(tf, { arch, sheet: { width: side, height: side }, outDim: featureDim, seed: 0 });
    const options = { subjects: [0, 1], stimuli: trainingStimuli, batch, learningRate: 1e-3, temperature: 0.1, seed: 0 };
    await trainDecoder(tf, decoder, data, { ...options, steps: 2 }); // warm-up (JIT, kernels, pipelines)
    const start = performance.now();
    await trainDecoder(tf, decoder, data, { ...options, steps });
    const seconds = (performance.now() - start) / 1000;
    const rate = steps / seconds;
    if (backend === 'wasm') perArch[arch] = rate;
    rows.push({ arch, path: `tfjs ${backend} (f32)`, V: voxels, batch, parameters: parameterCount(decoder), steps, 'steps/s': rate, 'ms/step': (1000 * seconds) / steps, 'vs wasm': rate / perArch[arch] });
    decoder.dispose();
  }
  if (webgpuMissing) rows.push({ arch, path: 'tfjs webgpu', V: voxels, batch, parameters: '—', steps: '—', 'steps/s': webgpuMissing, 'ms/step': '—', 'vs wasm': '—' });
}
console.log(formatTable(rows));
if (perArch.mlp) console.log(`page default preset (950 MLP steps at V = ${voxels}): ~${(950 / perArch.mlp).toFixed(0)} s of training on tfjs-wasm in Node, plus the image encoder (once per worker)`);
console.log(`webgpu: ${webgpuMissing ?? webgpuLabel}`);
await onBackend('wasm');
console.log(`tfjs: ${tf.getBackend()}, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')}`);
console.log(`machine: ${JSON.stringify(machineDescription())}; load average ${(await import('node:os')).loadavg().map((v) => v.toFixed(1)).join(' ')}`);
console.log(`results: ${writeResults('brain', { rows, machine: machineDescription() })}`);
