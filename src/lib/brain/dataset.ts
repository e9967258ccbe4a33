import type { Sheet } from './sheet.ts';

/**
 * What the decoding experiment runs on, simulated or imported: one response matrix per subject on a
 * common voxel grid (uniform processing: the same V voxels, in the same order, for every subject),
 * and one feature vector per stimulus. Stimulus i is the same image for every subject.
 */
export interface BrainSubject {
  id: string;
  /** [nStimuli, voxels], row-major. */
  responses: Float32Array;
  /** Simulated subjects only: the cluster they belong to and their noise level σ_s. */
  cluster?: number;
  noise?: number;
  /** Simulated subjects only: the noise-free map of feature 1, column 1 of A_s [V] (for the page's voxel maps). */
  encodingMap?: Float32Array;
}

export interface BrainDataset {
  nStimuli: number;
  voxels: number;
  /** The voxel grid as a sheet when there is one (CNN and Transformer use it; otherwise a 1 × V strip). */
  sheet: Sheet;
  featureDim: number;
  /** [nStimuli, featureDim] stimulus features z (the contrastive targets). */
  features: Float32Array;
  subjects: BrainSubject[];
  /** Stimulus images for the gallery ([nStimuli, height·width] in [0, 1]), when known. */
  images?: { pixels: Float32Array; width: number; height: number };
}

/**
 * Z-scores every voxel of a response matrix over its stimuli ([n, V] → [n, V]): the same per-subject
 * preprocessing for every subject, labels never used. A constant voxel becomes 0.
 */
export function zscoreVoxels(responses: Float32Array, n: number, voxels: number): Float32Array {
  const out = new Float32Array(responses.length);
  for (let v = 0; v < voxels; v++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += responses[i * voxels + v];
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (responses[i * voxels + v] - mean) ** 2;
    const sd = Math.sqrt(variance / n);
    const scale = sd > 0 ? 1 / sd : 0;
    for (let i = 0; i < n; i++) out[i * voxels + v] = (responses[i * voxels + v] - mean) * scale;
  }
  return out;
}

/** Mean over the given stimuli of the cosine similarity between two subjects' response vectors (TGBD's subject similarity). */
export function subjectSimilarity(a: Float32Array, b: Float32Array, voxels: number, stimuli: readonly number[]): number {
  let total = 0;
  for (const i of stimuli) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let v = 0; v < voxels; v++) {
      const x = a[i * voxels + v];
      const y = b[i * voxels + v];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    total += aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
  }
  return total / stimuli.length;
}
