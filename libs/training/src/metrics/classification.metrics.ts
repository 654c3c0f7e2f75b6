import { assertLabelsInRange, assertSameLength, safeDivide } from './metric.inputs';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Number of true samples of the class. */
  support: number;
}

export interface MacroAverages {
  precision: number;
  recall: number;
  f1: number;
}

/** Index of the largest probability in each row (first one on ties). */
export function argmaxRows(probabilities: readonly (readonly number[])[]): number[] {
  return probabilities.map((row) => {
    if (row.length === 0) throw new RangeError('empty probability row');
    let best = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
    return best;
  });
}

/** Fraction of predictions equal to the label. NaN for no samples. */
export function accuracy(predictions: readonly number[], labels: readonly number[]): number {
  assertSameLength(predictions, labels, 'accuracy');
  if (labels.length === 0) return Number.NaN;
  return predictions.filter((p, i) => p === labels[i]).length / labels.length;
}

/** matrix[trueLabel][predictedLabel] = count. */
export function confusionMatrix(
  predictions: readonly number[],
  labels: readonly number[],
  numClasses: number,
): number[][] {
  assertSameLength(predictions, labels, 'confusionMatrix');
  assertLabelsInRange(labels, numClasses);
  assertLabelsInRange(predictions, numClasses);
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  predictions.forEach((predicted, i) => matrix[labels[i]][predicted]++);
  return matrix;
}

/**
 * Precision, recall, F1 and support per class from a confusion matrix. A ratio with a zero denominator
 * (a class never predicted, or absent) is 0, as in scikit-learn's default.
 */
export function perClassMetrics(confusion: readonly (readonly number[])[]): ClassMetrics[] {
  return confusion.map((row, c) => {
    const truePositives = row[c];
    const support = row.reduce((sum, v) => sum + v, 0);
    const predicted = confusion.reduce((sum, r) => sum + r[c], 0);
    const precision = safeDivide(truePositives, predicted);
    const recall = safeDivide(truePositives, support);
    return { precision, recall, f1: safeDivide(2 * precision * recall, precision + recall), support };
  });
}

/** Unweighted mean over classes (every class counts equally, however rare). */
export function macroAverages(perClass: readonly ClassMetrics[]): MacroAverages {
  const mean = (pick: (m: ClassMetrics) => number) =>
    perClass.length === 0 ? Number.NaN : perClass.reduce((sum, m) => sum + pick(m), 0) / perClass.length;
  return { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1) };
}
