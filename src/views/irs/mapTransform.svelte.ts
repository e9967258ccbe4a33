import type { Box } from '../../lib/irs/geometry.ts';

/**
 * The map's view: metres to screen pixels and back, pan and zoom. Screen y grows downward, map y upward.
 * sx = w/2 + (x − cx)·scale, sy = h/2 − (y − cy)·scale.
 */
const MIN_SCALE = 0.02;
const MAX_SCALE = 400;

export class MapTransform {
  width = $state(800);
  height = $state(480);
  cx = $state(0);
  cy = $state(0);
  /** Pixels per metre. */
  scale = $state(1);

  fit(box: Box, margin = 0.04): void {
    const w = box.x1 - box.x0;
    const h = box.y1 - box.y0;
    this.cx = (box.x0 + box.x1) / 2;
    this.cy = (box.y0 + box.y1) / 2;
    this.scale = clamp(Math.min(this.width / w, this.height / h) * (1 - 2 * margin));
  }

  toScreen(x: number, y: number): [number, number] {
    return [this.width / 2 + (x - this.cx) * this.scale, this.height / 2 - (y - this.cy) * this.scale];
  }

  toWorld(sx: number, sy: number): [number, number] {
    return [this.cx + (sx - this.width / 2) / this.scale, this.cy - (sy - this.height / 2) / this.scale];
  }

  panBy(dxPx: number, dyPx: number): void {
    this.cx -= dxPx / this.scale;
    this.cy += dyPx / this.scale;
  }

  /** Zooms by `factor` keeping the map point under (sx, sy) where it is. */
  zoomAt(sx: number, sy: number, factor: number): void {
    const [x, y] = this.toWorld(sx, sy);
    this.scale = clamp(this.scale * factor);
    const [x2, y2] = this.toWorld(sx, sy);
    this.cx += x - x2;
    this.cy += y - y2;
  }

  /** The SVG transform that draws map coordinates (y up) in screen pixels. */
  get svgTransform(): string {
    return `translate(${this.width / 2} ${this.height / 2}) scale(${this.scale} ${-this.scale}) translate(${-this.cx} ${-this.cy})`;
  }

  get centre(): { x: number; y: number } {
    return { x: this.cx, y: this.cy };
  }
}

function clamp(scale: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}
