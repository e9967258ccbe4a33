import type { MapTransform } from './mapTransform.svelte.ts';

/**
 * Pan with one pointer, pinch-zoom with two, zoom with the wheel; a press that barely moves is a click.
 * Attached to the map's background only, so dragging a marker never pans the map.
 */
const CLICK_SLOP_PX = 4;

export function attachGestures(element: HTMLElement | SVGElement, view: MapTransform, onclick: (x: number, y: number) => void): () => void {
  const pointers = new Map<number, { x: number; y: number }>();
  let travelled = 0;
  let pinchDistance = 0;

  const local = (event: PointerEvent | WheelEvent) => {
    const rect = element.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  };

  const down = (event: PointerEvent) => {
    if (event.target !== element && (event.target as Element).closest('[data-draggable]')) return;
    element.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, local(event));
    travelled = 0;
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinchDistance = Math.hypot(a.x - b.x, a.y - b.y);
    }
  };

  const move = (event: PointerEvent) => {
    const previous = pointers.get(event.pointerId);
    if (!previous) return;
    const now = local(event);
    pointers.set(event.pointerId, now);
    if (pointers.size === 1) {
      view.panBy(now.x - previous.x, now.y - previous.y);
      travelled += Math.hypot(now.x - previous.x, now.y - previous.y);
    } else if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      if (pinchDistance > 0) view.zoomAt((a.x + b.x) / 2, (a.y + b.y) / 2, distance / pinchDistance);
      pinchDistance = distance;
      travelled = Infinity;
    }
  };

  const up = (event: PointerEvent) => {
    const at = pointers.get(event.pointerId);
    pointers.delete(event.pointerId);
    if (at && pointers.size === 0 && travelled < CLICK_SLOP_PX) onclick(...view.toWorld(at.x, at.y));
  };

  const wheel = (event: WheelEvent) => {
    event.preventDefault();
    const at = local(event);
    view.zoomAt(at.x, at.y, Math.exp(-event.deltaY * 0.0015));
  };

  element.addEventListener('pointerdown', down as EventListener);
  element.addEventListener('pointermove', move as EventListener);
  element.addEventListener('pointerup', up as EventListener);
  element.addEventListener('pointercancel', up as EventListener);
  element.addEventListener('wheel', wheel as EventListener, { passive: false });
  return () => {
    element.removeEventListener('pointerdown', down as EventListener);
    element.removeEventListener('pointermove', move as EventListener);
    element.removeEventListener('pointerup', up as EventListener);
    element.removeEventListener('pointercancel', up as EventListener);
    element.removeEventListener('wheel', wheel as EventListener);
  };
}
