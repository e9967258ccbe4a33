import { residual, sumOfSquares } from './nmf.ts';

/**
 * Variance accounted for, VAF = 1 − ‖E − WH‖²_F / ‖E‖²_F (uncentred, as in the synergy literature),
 * and how the number of synergies is chosen from the VAF curve.
 */
export function vaf(e: ArrayLike<number>, w: ArrayLike<number>, h: ArrayLike<number>, shape: { m: number; n: number; k: number }): number {
  return 1 - residual(e, w, h, shape.m, shape.n, shape.k) / sumOfSquares(e);
}

/** VAF of each muscle's own row: a synergy set can reach 90 % overall and still miss one muscle. */
export function vafPerMuscle(e: ArrayLike<number>, w: ArrayLike<number>, h: ArrayLike<number>, shape: { m: number; n: number; k: number }): number[] {
  const { m, n, k } = shape;
  return Array.from({ length: m }, (_, i) => {
    let error = 0;
    let total = 0;
    for (let j = 0; j < n; j++) {
      let approx = 0;
      for (let r = 0; r < k; r++) approx += w[i * k + r] * h[r * n + j];
      const value = e[i * n + j];
      error += (value - approx) ** 2;
      total += value * value;
    }
    return total > 0 ? 1 - error / total : 1;
  });
}

export interface KChoice {
  /** Smallest k whose VAF reaches the threshold (kMax when none does). */
  k: number;
  reached: boolean;
  /** VAF(k) − VAF(k − 1), with VAF(0) = 0: [kMax] */
  deltaVaf: number[];
  /** Smallest k after which one more synergy adds less than `elbowGain` VAF. */
  elbowK: number;
}

export function chooseK(vafByK: readonly number[], threshold = 0.9, elbowGain = 0.05): KChoice {
  if (vafByK.length === 0) throw new RangeError('chooseK needs the VAF of at least k = 1');
  const index = vafByK.findIndex((v) => v >= threshold);
  const deltaVaf = vafByK.map((v, i) => v - (i === 0 ? 0 : vafByK[i - 1]));
  let elbowK = vafByK.length;
  for (let k = 1; k < vafByK.length; k++) {
    if (deltaVaf[k] < elbowGain) {
      elbowK = k;
      break;
    }
  }
  return { k: index >= 0 ? index + 1 : vafByK.length, reached: index >= 0, deltaVaf, elbowK };
}
