/**
 * Calibration windows as the pruning pipeline takes them. Where they come from (WikiText-2 valid, C4,
 * random ids, self-generated text, a calibration file) is src/lib/calibration's job; pruning only needs
 * the windows, their length, and a label for result lines.
 */
export interface PruneCalibration {
  /** Token ids, each window `seqLen` long. */
  windows: Int32Array[];
  seqLen: number;
  /** What the windows are, for tables and result lines ("WikiText-2 valid, 32 × 256 tokens, seed 0"). */
  label: string;
}

/**
 * Windows grouped `perBatch` at a time into one array each (the OPT runner runs a group as one batch).
 * Memory of a batch's captured activations grows with it, so callers keep batches to a few thousand tokens.
 */
export function batchWindows(windows: readonly Int32Array[], perBatch: number): Int32Array[] {
  if (!Number.isInteger(perBatch) || perBatch < 1) throw new RangeError(`batchWindows: perBatch must be a positive integer, got ${perBatch}`);
  const batches: Int32Array[] = [];
  for (let w = 0; w < windows.length; w += perBatch) {
    const group = windows.slice(w, w + perBatch);
    const batch = new Int32Array(group.reduce((sum, window) => sum + window.length, 0));
    let offset = 0;
    for (const window of group) {
      batch.set(window, offset);
      offset += window.length;
    }
    batches.push(batch);
  }
  return batches;
}

/** Windows per batch so a batch holds about `tokensPerBatch` tokens (at least one window). */
export function windowsPerBatch(seqLen: number, tokensPerBatch = 2048): number {
  return Math.max(1, Math.floor(tokensPerBatch / seqLen));
}
