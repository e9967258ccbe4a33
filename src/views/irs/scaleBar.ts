/** A round length (1, 2 or 5 × 10ⁿ metres) about `targetPx` long on screen, for the scale bar. */
export function scaleBarLength(pixelsPerMetre: number, targetPx = 100): { metres: number; px: number } {
  const raw = targetPx / pixelsPerMetre;
  const power = 10 ** Math.floor(Math.log10(raw));
  const metres = [5, 2, 1].map((m) => m * power).find((m) => m <= raw) ?? power;
  return { metres, px: metres * pixelsPerMetre };
}

export function formatLength(metres: number): string {
  if (metres >= 1000) return `${metres / 1000} km`;
  if (metres >= 1) return `${metres} m`;
  return `${Math.round(metres * 100)} cm`;
}
