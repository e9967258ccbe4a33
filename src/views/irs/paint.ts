import * as d3 from 'd3';
import type { SnrGrid } from '../../lib/irs/coverage.ts';

/**
 * Turns a heatmap into pixels: SNR (dB), rate (Mbit/s), the gain the IRSs add over the direct links
 * (dB), or coverage (rate above the threshold or not). Indoor cells stay transparent, so the buildings
 * drawn over the map read as buildings.
 */
export type Metric = 'snr' | 'rate' | 'gain' | 'coverage';

export interface PaintOptions {
  metric: Metric;
  domain: [number, number];
  bandwidthHz: number;
  rateThresholdBps: number;
}

export const DEFAULT_DOMAINS: Record<Metric, [number, number]> = {
  snr: [-10, 50],
  rate: [0, 16],
  gain: [0, 30],
  coverage: [0, 1],
};

export const METRIC_UNITS: Record<Metric, string> = { snr: 'dB', rate: 'Mbit/s', gain: 'dB', coverage: '' };

const LUT_SIZE = 256;
const lut = (() => {
  const table = new Uint8ClampedArray(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const c = d3.rgb(d3.interpolateViridis(i / (LUT_SIZE - 1)));
    table.set([c.r, c.g, c.b], i * 3);
  }
  return table;
})();

export function colourAt(t: number): string {
  return d3.interpolateViridis(Math.min(1, Math.max(0, t)));
}

/** The value shown for a cell, in the metric's unit. */
export function metricValue(metric: Metric, snr: number, directSnr: number, options: Pick<PaintOptions, 'bandwidthHz' | 'rateThresholdBps'>): number {
  switch (metric) {
    case 'snr':
      return 10 * Math.log10(snr);
    case 'rate':
      return (options.bandwidthHz * Math.log2(1 + snr)) / 1e6;
    case 'gain':
      return snr <= 0 ? 0 : directSnr <= 0 ? Infinity : 10 * Math.log10(snr / directSnr);
    case 'coverage':
      return options.bandwidthHz * Math.log2(1 + snr) >= options.rateThresholdBps ? 1 : 0;
  }
}

export function paint(image: ImageData, field: SnrGrid, direct: SnrGrid, options: PaintOptions): void {
  const [lo, hi] = options.domain;
  const span = hi - lo || 1;
  const { data } = image;
  for (let i = 0; i < field.snr.length; i++) {
    if (field.indoor[i]) {
      data[4 * i + 3] = 0;
      continue;
    }
    const value = metricValue(options.metric, field.snr[i], direct.snr[i], options);
    const t = Number.isNaN(value) ? 0 : Math.min(1, Math.max(0, (value - lo) / span));
    const k = Math.round(t * (LUT_SIZE - 1)) * 3;
    data[4 * i] = lut[k];
    data[4 * i + 1] = lut[k + 1];
    data[4 * i + 2] = lut[k + 2];
    data[4 * i + 3] = 255;
  }
}
