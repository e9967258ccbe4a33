import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOrtNode } from '../../bench/optPeers.ts';
import { phaseMatmuls } from '../../bench/optShapes.ts';
import { CpuOptRuntime, HEAD_CHUNK_ROWS } from '../../src/lib/opt/cpu/cpuRuntime.ts';
import { CPU_PHASES, CpuProfile } from '../../src/lib/opt/cpu/cpuProfile.ts';
import { nodeTf } from '../../src/lib/opt/cpu/nodeTf.ts';
import { sequenceLogits } from '../../src/lib/opt/forward.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { cloneWeights, randomIds, variant } from '../helpers/optModels.ts';

describe('the CPU forward profile (bench:opt breakdown)', () => {
  it('times every phase of a forward pass without changing its logits', async () => {
    const tf = await nodeTf();
    const { config, weights } = variant('post-LN with project_in/out (350m-like)');
    const runtime = new CpuOptRuntime(tf, config, cloneWeights(weights));
    const ids = randomIds(new Rng(3), 11, config.vocabSize);
    const plain = await sequenceLogits(runtime, ids);
    const profile = new CpuProfile();
    runtime.profile = profile;
    const t0 = performance.now();
    const profiled = await sequenceLogits(runtime, ids);
    const wall = performance.now() - t0;
    runtime.dispose();
    expect(profiled).toEqual(plain);
    for (const phase of CPU_PHASES) expect(profile.ms.get(phase), phase).toBeGreaterThanOrEqual(0);
    const phased = [...profile.ms.values()].reduce((a, b) => a + b, 0);
    expect(phased).toBeLessThanOrEqual(wall);
    profile.reset();
    expect(profile.ms.size).toBe(0);
  });

  it('lists the products of each phase with the forward pass\'s FLOPs', () => {
    const { config } = variant('pre-LN (125m-like)');
    const tokens = 5;
    const phases = phaseMatmuls(config, tokens, HEAD_CHUNK_ROWS);
    const flops = (phase: string) => (phases.get(phase) ?? []).reduce((sum, s) => sum + 2 * s.m * s.k * s.n * s.count, 0);
    const H = config.hiddenSize;
    const L = config.numLayers;
    expect(flops('q/k/v')).toBe(L * 3 * 2 * tokens * H * H);
    expect(flops('fc1')).toBe(L * 2 * tokens * H * config.ffnDims[0]);
    expect(flops('attention: products + softmax')).toBe(L * 2 * 2 * tokens * tokens * H);
    expect(flops('LM head')).toBe(2 * tokens * H * config.vocabSize);
    expect(phases.has('embed')).toBe(false); // no project_in
  });
});

describe('finding onnxruntime-node for bench:opt (never a dependency)', () => {
  it('takes --ort-node <folder>, reads its package.json main, and says null for a folder without it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ortn-'));
    const pkg = path.join(dir, 'onnxruntime-node');
    mkdirSync(pkg);
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ main: 'dist/index.js' }));
    expect(findOrtNode(['--ort-node', pkg])).toBe(path.join(pkg, 'dist', 'index.js'));
    expect(findOrtNode(['--ort-node', path.join(dir, 'missing')])).toBeNull();
  });
});
