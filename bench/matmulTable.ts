import type { Row } from './harness/report.ts';
import type { MatmulShape, MatmulTiming } from './matmulShapes.ts';

/** One row per shape: GFLOP/s of each implementation and WGSL's ratio to each peer. */
export function matmulRatioRows(shapes: MatmulShape[], timings: MatmulTiming[], impls: string[]): Row[] {
  return shapes.map((shape) => {
    const gflops = (impl: string) => timings.find((t) => t.shape === shape.label && t.impl === impl)?.gflops ?? null;
    const row: Row = { shape: shape.label };
    for (const impl of impls) row[`${impl} GFLOP/s`] = gflops(impl);
    const wgsl = gflops('wgsl');
    for (const impl of impls.filter((i) => i !== 'wgsl')) {
      const peer = gflops(impl);
      row[`wgsl / ${impl}`] = wgsl !== null && peer ? wgsl / peer : null;
    }
    return row;
  });
}
