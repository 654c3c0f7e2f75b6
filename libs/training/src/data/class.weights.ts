/** Number of samples per class, indexed by label. */
export function classCounts(labels: readonly number[], numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const label of labels) {
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new RangeError(`label ${label} is outside 0..${numClasses - 1}`);
    }
    counts[label]++;
  }
  return counts;
}

/**
 * Loss weights proportional to 1 / class frequency, scaled so the mean weight over the classes present is 1.
 * A class absent from `labels` gets weight 0 (it cannot contribute to the loss anyway).
 */
export function classWeights(labels: readonly number[], numClasses: number): number[] {
  const counts = classCounts(labels, numClasses);
  const inverse = counts.map((count) => (count > 0 ? 1 / count : 0));
  const present = counts.filter((count) => count > 0).length;
  if (present === 0) throw new RangeError('no labels');
  const mean = inverse.reduce((sum, w) => sum + w, 0) / present;
  return inverse.map((w) => w / mean);
}
