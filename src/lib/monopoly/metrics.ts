/** Errors in price space (not log): MAE, RMSE, MAPE and median APE (both in %). */
export interface PriceMetrics {
  mae: number;
  rmse: number;
  mape: number;
  mdape: number;
}

export function priceMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>): PriceMetrics {
  if (actual.length !== predicted.length || actual.length === 0) throw new RangeError('priceMetrics needs two equal, non-empty lists');
  let absSum = 0;
  let sqSum = 0;
  const ape: number[] = [];
  for (let i = 0; i < actual.length; i++) {
    const error = predicted[i] - actual[i];
    absSum += Math.abs(error);
    sqSum += error * error;
    ape.push((100 * Math.abs(error)) / actual[i]);
  }
  ape.sort((a, b) => a - b);
  const mid = ape.length >> 1;
  const median = ape.length % 2 ? ape[mid] : (ape[mid - 1] + ape[mid]) / 2;
  return { mae: absSum / actual.length, rmse: Math.sqrt(sqSum / actual.length), mape: ape.reduce((a, b) => a + b, 0) / ape.length, mdape: median };
}
