import { describe, expect, it } from 'vitest';
import { chooseBackend, isSoftwareAdapter, parseBackendOverride, type AdapterSummary } from '../../src/lib/backend.ts';
import { CancelFlag } from '../../src/lib/cancel.ts';
import { Cancelled, InputError, describeError, isCancelled, isInputError } from '../../src/lib/errors.ts';
import { EtaEstimator, formatEta, withEta, type Progress } from '../../src/lib/progress.ts';
import { toCsv } from '../../src/lib/util/csv.ts';
import { formatHash, parseHash } from '../../src/lib/util/hashState.ts';
import { Rng } from '../../src/lib/util/random.ts';
import { uniforms } from '../../src/kernels/uniforms.ts';
import { pipelineKey } from '../../src/kernels/kernel.ts';
import { formatBytes } from '../../src/kernels/gpu.ts';

const hardware: AdapterSummary = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100', isFallback: false, shaderF16: true };
const swiftshader: AdapterSummary = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallback: true, shaderF16: false };

describe('backend choice', () => {
  it('uses WebGPU on a hardware adapter', () => {
    expect(chooseBackend(hardware).backend).toBe('webgpu');
  });
  it('treats SwiftShader as no GPU unless forced', () => {
    expect(chooseBackend(swiftshader).backend).toBe('cpu');
    expect(chooseBackend(swiftshader, 'webgpu').backend).toBe('webgpu');
  });
  it('recognises software adapters that do not flag themselves as fallback', () => {
    expect(isSoftwareAdapter({ ...swiftshader, isFallback: false })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15)', isFallback: false })).toBe(true);
    expect(isSoftwareAdapter(hardware)).toBe(false);
  });
  it('falls back to the CPU without an adapter, even when WebGPU is forced', () => {
    const choice = chooseBackend(null, 'webgpu');
    expect(choice.backend).toBe('cpu');
    expect(choice.reason).toMatch(/no adapter/);
  });
  it('honours ?backend=cpu on a hardware adapter', () => {
    expect(chooseBackend(hardware, 'cpu').backend).toBe('cpu');
  });
  it('ignores unknown override values', () => {
    expect(parseBackendOverride('metal')).toBeUndefined();
    expect(parseBackendOverride('cpu')).toBe('cpu');
  });
});

describe('uniform schema', () => {
  const schema = uniforms({ m: 'u32', offset: 'i32', scale: 'f32' });
  it('writes the WGSL struct in field order', () => {
    expect(schema.wgsl()).toBe('struct Params {\n  m: u32,\n  offset: i32,\n  scale: f32,\n}\n');
  });
  it('packs little-endian values at 4-byte offsets, padded to 16 bytes', () => {
    const bytes = schema.pack({ m: 7, offset: -3, scale: 0.5 });
    expect(bytes.byteLength).toBe(16);
    const view = new DataView(bytes);
    expect(view.getUint32(0, true)).toBe(7);
    expect(view.getInt32(4, true)).toBe(-3);
    expect(view.getFloat32(8, true)).toBe(0.5);
  });
  it('rejects values that do not fit their type', () => {
    expect(() => schema.pack({ m: -1, offset: 0, scale: 0 })).toThrow(RangeError);
    expect(() => schema.pack({ m: 1.5, offset: 0, scale: 0 })).toThrow(RangeError);
    expect(() => schema.pack({ m: 1, offset: 0, scale: Number.NaN })).toThrow(TypeError);
  });
  it('keys pipelines by name and sorted constants', () => {
    expect(pipelineKey('matmul', { TRANS_B: true, TRANS_A: false })).toBe('matmul|TRANS_A=0,TRANS_B=1');
    expect(pipelineKey('matmul')).toBe('matmul|');
  });
});

describe('errors', () => {
  it('InputError keeps its detail and is recognised by name', () => {
    const error = new InputError('config.json: hidden_size is missing', 'expected a positive integer');
    expect(isInputError(error)).toBe(true);
    expect(describeError(error)).toEqual({ message: 'config.json: hidden_size is missing', detail: 'expected a positive integer' });
  });
  it('an error renamed Cancelled after crossing a worker is still a cancel', () => {
    const crossed = Object.assign(new Error('Cancelled'), { name: 'Cancelled' });
    expect(isCancelled(crossed)).toBe(true);
    expect(isCancelled(new Cancelled())).toBe(true);
    expect(isCancelled(new Error('other'))).toBe(false);
  });
});

describe('cancel flag', () => {
  it('throws Cancelled once set', () => {
    const flag = new CancelFlag();
    expect(() => flag.throwIfCancelled()).not.toThrow();
    flag.cancel();
    expect(() => flag.throwIfCancelled()).toThrow(Cancelled);
  });
  it('is seen through a shared buffer by another flag on the same memory', () => {
    const shared = new SharedArrayBuffer(4);
    const page = new CancelFlag(shared);
    const worker = new CancelFlag(shared);
    page.cancel();
    expect(worker.cancelled).toBe(true);
  });
});

describe('progress ETA', () => {
  it('estimates the remaining time from the rate so far', () => {
    let now = 0;
    const eta = new EtaEstimator(() => now);
    expect(eta.update(0, 100)).toBeUndefined();
    now = 10_000;
    expect(eta.update(10, 100)).toBeCloseTo(90, 6);
  });
  it('restarts the estimate when the phase changes', () => {
    let now = 0;
    const seen: Progress[] = [];
    const report = withEta((p) => seen.push(p), () => now);
    report({ phase: 'a', done: 0, total: 10 });
    now = 1000;
    report({ phase: 'a', done: 5, total: 10 });
    report({ phase: 'b', done: 0, total: 4 });
    expect(seen[1].etaSeconds).toBeCloseTo(1, 6);
    expect(seen[2].etaSeconds).toBeUndefined();
  });
  it('formats seconds, minutes and hours', () => {
    expect(formatEta(undefined)).toBe('');
    expect(formatEta(42)).toBe('42 s left');
    expect(formatEta(600)).toBe('10 min left');
    expect(formatEta(7200)).toBe('2.0 h left');
  });
});

describe('CSV', () => {
  it('quotes cells with commas, quotes and newlines', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"'], [1.5, null]])).toBe('a,b\r\n"x,y","say ""hi"""\r\n1.5,\r\n');
  });
  it('rejects rows of the wrong width', () => {
    expect(() => toCsv(['a'], [[1, 2]])).toThrow(RangeError);
  });
});

describe('URL hash state', () => {
  it('round-trips a path and settings', () => {
    const hash = formatHash('/pruning', { sparsity: 0.2, method: 'fasp' });
    expect(hash).toBe('#/pruning?sparsity=0.2&method=fasp');
    const { path, params } = parseHash(hash);
    expect(path).toBe('/pruning');
    expect(params.get('sparsity')).toBe('0.2');
  });
  it('reads an empty hash as the home page', () => {
    expect(parseHash('').path).toBe('/');
    expect(parseHash('#').path).toBe('/');
  });
});

describe('seeded random numbers', () => {
  it('repeats a stream for the same seed and differs for another', () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 5 }, () => rng.next());
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    expect(draw(1).every((x) => x >= 0 && x < 1)).toBe(true);
  });
  it('draws normals with mean 0 and variance 1', () => {
    const rng = new Rng(7);
    const n = 20_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      sum += x;
      sumSq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.05);
  });
  it('shuffles into a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = new Rng(2).shuffle([...items]);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
    expect(shuffled).not.toEqual(items);
  });
});

describe('byte formatting', () => {
  it('uses binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(154 * 1024 * 1024)).toBe('154.0 MiB');
  });
});

describe('chart helpers', () => {
  it('drops points a log axis cannot show', async () => {
    const { plottable } = await import('../../src/views/shared/chart.ts');
    const points = [{ x: 0, y: 1 }, { x: 1, y: -1 }, { x: 2, y: Number.NaN }, { x: 3, y: 4 }];
    expect(plottable(points, true, false)).toEqual([{ x: 1, y: -1 }, { x: 3, y: 4 }]);
    expect(plottable(points, false, true)).toEqual([{ x: 0, y: 1 }, { x: 3, y: 4 }]);
  });
  it('reads out the point nearest to the pointer', async () => {
    const { nearestByX } = await import('../../src/views/shared/chart.ts');
    expect(nearestByX([{ x: 0, y: 1 }, { x: 10, y: 2 }], 7)).toEqual({ x: 10, y: 2 });
    expect(nearestByX([], 7)).toBeUndefined();
  });
});
