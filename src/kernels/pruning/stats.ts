import { InputError } from '../../lib/errors.ts';
import type { StatsFactory } from '../../lib/pruning/layerRunner.ts';
import { runColReduce } from '../colReduce.ts';
import type { GpuContext } from '../gpu.ts';
import { runGram } from './gram.ts';
import { GpuResidentStats } from './resident.ts';

/**
 * Calibration statistics accumulated on the GPU (twin of CalibrationStatsAccumulator,
 * src/lib/pruning/calibrationStats.ts): the Gram by gram.wgsl, column sums and squared norms by
 * colReduce.wgsl, streamed chunk by chunk. Activations may arrive as GPU buffers (a WebGPU runtime's
 * own) or as CPU arrays, which are uploaded. `finish` reads the sums back, in f32 precision;
 * `finishResident` hands the buffers over as they are (resident.ts: the group is pruned on the GPU).
 */
export function gpuStatsFactory(gpu: GpuContext): StatsFactory<Float32Array | GPUBuffer> {
  return (width, options) => {
    const colSum = gpu.upload(new Float32Array(width));
    const colSumSq = gpu.upload(new Float32Array(width));
    const gram = options.gram ? gpu.upload(new Float32Array(width * width)) : undefined;
    let tokens = 0;
    return {
      async add(x, rows) {
        if (rows === 0) return;
        const matrix = x instanceof Float32Array ? gpu.upload(x.subarray(0, rows * width)) : x;
        runColReduce(gpu, { matrix, out: colSum }, { rows, cols: width, reduction: 'sum', accumulate: true });
        runColReduce(gpu, { matrix, out: colSumSq }, { rows, cols: width, reduction: 'sumsq', accumulate: true });
        if (gram) runGram(gpu, { x: matrix, gram }, { rows, n: width });
        if (x instanceof Float32Array) gpu.release(matrix);
        await gpu.flush();
        tokens += rows;
      },
      async finish() {
        const sums = Float64Array.from(await gpu.readF32(colSum, width));
        const squares = Float64Array.from(await gpu.readF32(colSumSq, width));
        const gramValues = gram ? Float64Array.from(await gpu.readF32(gram, width * width)) : undefined;
        gpu.release(colSum, colSumSq, gram);
        const bad = squares.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new InputError('Calibration activations contain non-finite values', `channel ${bad}`);
        return { width, tokens, colSum: sums, colSumSq: squares, gram: gramValues };
      },
      async finishResident() {
        await gpu.finish(); // the calibration's work is done here, not inside the next phase's first wait
        return new GpuResidentStats(gpu, { colSum, colSumSq, gram }, width, tokens);
      },
    };
  };
}
