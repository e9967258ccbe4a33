/** Confusion counts [classes, classes]: row = true class, column = predicted class. */
export function confusionMatrix(predicted: ArrayLike<number>, labels: ArrayLike<number>, classes: number): Int32Array {
  if (predicted.length !== labels.length) throw new RangeError(`confusionMatrix: ${predicted.length} predictions for ${labels.length} labels`);
  const counts = new Int32Array(classes * classes);
  for (let i = 0; i < labels.length; i++) {
    const truth = labels[i];
    const guess = predicted[i];
    if (!(truth >= 0 && truth < classes && guess >= 0 && guess < classes)) {
      throw new RangeError(`confusionMatrix: pair (${truth}, ${guess}) at ${i} is outside 0…${classes - 1}`);
    }
    counts[truth * classes + guess]++;
  }
  return counts;
}
