import { assertLabelsInRange, assertSameLength } from './metric.inputs';

/** Probabilities are clipped to [eps, 1] so one confident mistake gives a large, finite loss. */
export const LOG_LOSS_EPSILON = 1e-15;

/** Mean negative log-probability of the true class (natural log, i.e. cross-entropy in nats). */
export function logLoss(
  probabilities: readonly (readonly number[])[],
  labels: readonly number[],
  eps = LOG_LOSS_EPSILON,
): number {
  assertSameLength(probabilities, labels, 'logLoss');
  if (labels.length === 0) return Number.NaN;
  assertLabelsInRange(labels, Math.min(...probabilities.map((row) => row.length)));
  const total = labels.reduce(
    (sum, label, i) => sum - Math.log(Math.min(1, Math.max(eps, probabilities[i][label]))),
    0,
  );
  return total / labels.length;
}

/** Log loss of a binary defect score: the probability of class 1 is `score`. */
export function binaryLogLoss(
  scores: readonly number[],
  labels: readonly number[],
  eps = LOG_LOSS_EPSILON,
): number {
  return logLoss(
    scores.map((s) => [1 - s, s]),
    labels,
    eps,
  );
}
