/** A named set of settings a page offers ("Quick", "Paper protocol"); `apply` fills the page's form with it. */
export interface Preset {
  key: string;
  label: string;
  /** What it sets and why, shown as the button's tooltip and under the row once chosen. */
  description: string;
  apply: () => void;
}

/** "≈ 1.5 min" / "≈ 40 s" / "≈ 2 h": an estimate, rounded so that it does not look precise. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 90) return `≈ ${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  if (seconds < 5400) return `≈ ${Math.round(seconds / 30) / 2} min`;
  return `≈ ${(seconds / 3600).toFixed(1)} h`;
}
