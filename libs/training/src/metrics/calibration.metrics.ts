import { argmaxRows } from './classification.metrics';
import { assertSameLength } from './metric.inputs';

export interface ReliabilityBin {
  /** Bin covers [lower, upper); the last bin also includes 1. */
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin (NaN when empty). */
  meanPredicted: number;
  /** Observed frequency of the event in the bin (NaN when empty). */
  observedFrequency: number;
}

export interface Calibration {
  bins: ReliabilityBin[];
  /** Expected calibration error: sum over bins of (count / N) * |observed - predicted|. */
  expectedCalibrationError: number;
}

/**
 * Reliability diagram over equal-width bins: how often the event happened (`outcomes` 1) among
 * predictions of about the same probability.
 */
export function reliability(
  predicted: readonly number[],
  outcomes: readonly number[],
  numBins = 10,
): Calibration {
  assertSameLength(predicted, outcomes, 'reliability');
  if (!Number.isInteger(numBins) || numBins < 1) throw new RangeError(`numBins must be a positive integer`);
  const bad = predicted.find((p) => !(p >= 0 && p <= 1));
  if (bad !== undefined) throw new RangeError(`predicted probabilities must be in [0, 1], got ${bad}`);

  const sums = Array.from({ length: numBins }, () => ({ count: 0, predicted: 0, observed: 0 }));
  predicted.forEach((p, i) => {
    const bin = sums[Math.min(numBins - 1, Math.floor(p * numBins))];
    bin.count++;
    bin.predicted += p;
    bin.observed += outcomes[i];
  });
  const bins = sums.map((s, k) => ({
    lower: k / numBins,
    upper: (k + 1) / numBins,
    count: s.count,
    meanPredicted: s.count === 0 ? Number.NaN : s.predicted / s.count,
    observedFrequency: s.count === 0 ? Number.NaN : s.observed / s.count,
  }));
  const total = predicted.length;
  const expectedCalibrationError =
    total === 0
      ? Number.NaN
      : bins.reduce(
          (sum, b) =>
            b.count === 0 ? sum : sum + (b.count / total) * Math.abs(b.observedFrequency - b.meanPredicted),
          0,
        );
  return { bins, expectedCalibrationError };
}

/** Top-label calibration of a classifier: confidence = max probability, event = the argmax is right. */
export function classifierCalibration(
  probabilities: readonly (readonly number[])[],
  labels: readonly number[],
  numBins = 10,
): Calibration {
  assertSameLength(probabilities, labels, 'classifierCalibration');
  const predictions = argmaxRows(probabilities);
  return reliability(
    probabilities.map((row, i) => row[predictions[i]]),
    predictions.map((p, i) => (p === labels[i] ? 1 : 0)),
    numBins,
  );
}
