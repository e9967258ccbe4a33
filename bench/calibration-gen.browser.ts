import { adapterLabel } from '../src/lib/backend.ts';
import { SELFGEN_DEFAULTS } from '../src/lib/calibration/settings.ts';
import { createGpuContext } from '../src/kernels/gpu.ts';
import { GpuOptRuntime } from '../src/kernels/opt/gpuRuntime.ts';
import { CpuOptRuntime } from '../src/lib/opt/cpu/cpuRuntime.ts';
import type { Tf } from '../src/lib/opt/cpu/tfLinear.ts';
import { parseOptConfig } from '../src/lib/opt/config.ts';
import { generateBatch } from '../src/lib/opt/generate.ts';
import type { OptRuntime } from '../src/lib/opt/runtime.ts';
import { parseSafetensors } from '../src/lib/opt/safetensors.ts';
import { loadOptWeights } from '../src/lib/opt/weights.ts';
import { tf, useTfBackend } from '../src/workers/tfBackend.ts';

/** The browser half of bench:gen (see bench/calibration-gen.ts): tfjs-wasm and WebGPU in Chromium. */
export interface GenBrowserRow {
  backend: string;
  batch: number;
  newTokens: number;
  kvCache: boolean;
  seconds: number;
}

export interface GenBrowserResult {
  adapter: string;
  fallback: boolean;
  rows: GenBrowserRow[];
}

export async function run(args: Record<string, unknown>, log: (line: string) => void): Promise<GenBrowserResult> {
  const { batch, newTokens } = args as { batch: number; newTokens: number };
  const base = new URL('/datasets/models/mini-opt/', location.href);
  const config = parseOptConfig(await (await fetch(new URL('config.json', base))).json());
  const file = parseSafetensors(await (await fetch(new URL('model.safetensors', base))).arrayBuffer());
  const gpu = await createGpuContext(navigator.gpu);
  await useTfBackend('wasm');
  const runtimes: { backend: string; open: () => Promise<OptRuntime> }[] = [
    { backend: 'cpu: tfjs-wasm in Chromium', open: async () => new CpuOptRuntime(tf as unknown as Tf, config, await loadOptWeights(config, [file])) },
  ];
  if (gpu) runtimes.push({ backend: `webgpu: ${adapterLabel(gpu.adapter)}`, open: () => GpuOptRuntime.load(gpu, config, { files: [file] }) });
  // Prompts as self-generation makes them: </s> + 2 tokens.
  const prompts = Array.from({ length: batch }, (_, b) => Int32Array.of(2, 100 + b, 200 + b));
  const rows: GenBrowserRow[] = [];
  for (const { backend, open } of runtimes) {
    const runtime = await open();
    for (const kvCache of [true, false]) {
      const once = async (maxNewTokens: number) => {
        const t0 = performance.now();
        await generateBatch(runtime, prompts, { ...SELFGEN_DEFAULTS.sampling, maxNewTokens, seeds: prompts.map((_, b) => b), stopAtEos: false, kvCache });
        return (performance.now() - t0) / 1000;
      };
      await once(2); // warm-up: shader and wasm compilation, every shape the run will use
      const seconds = await once(newTokens);
      log(`${backend}, KV cache ${kvCache ? 'on' : 'off'}: ${(batch * newTokens) / seconds} tokens/s`);
      rows.push({ backend, batch, newTokens: batch * newTokens, kvCache, seconds });
    }
    runtime.dispose();
  }
  return { adapter: gpu ? adapterLabel(gpu.adapter) : 'none', fallback: gpu?.adapter.isFallback ?? false, rows };
}
