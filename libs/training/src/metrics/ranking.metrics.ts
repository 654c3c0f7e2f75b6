import { assertBinaryLabels, assertFiniteScores, assertSameLength, safeDivide } from './metric.inputs';

/** Counts when predicting positive for every score >= threshold. */
export interface ThresholdCounts {
  threshold: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
}

export interface RocPoint {
  threshold: number;
  falsePositiveRate: number;
  truePositiveRate: number;
}

export interface PrPoint {
  threshold: number;
  precision: number;
  recall: number;
}

/**
 * Counts at every distinct score, highest threshold first. Tied scores form one step (a tie cannot be
 * split by any threshold). Label 1 is the positive class (defect); a higher score means more positive.
 */
export function thresholdCounts(scores: readonly number[], labels: readonly number[]): ThresholdCounts[] {
  assertSameLength(scores, labels, 'thresholdCounts');
  assertBinaryLabels(labels);
  assertFiniteScores(scores);
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const positives = labels.filter((l) => l === 1).length;
  const negatives = labels.length - positives;
  const steps: ThresholdCounts[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    if (labels[order[k]] === 1) tp++;
    else fp++;
    const isLastOfTie = k === order.length - 1 || scores[order[k + 1]] !== scores[order[k]];
    if (isLastOfTie) {
      steps.push({
        threshold: scores[order[k]],
        truePositives: tp,
        falsePositives: fp,
        falseNegatives: positives - tp,
        trueNegatives: negatives - fp,
      });
    }
  }
  return steps;
}

/** ROC curve from (0, 0) at threshold +Infinity to (1, 1) at the lowest score. */
export function rocCurve(scores: readonly number[], labels: readonly number[]): RocPoint[] {
  const steps = thresholdCounts(scores, labels);
  const rate = (x: number, y: number) => (x + y === 0 ? Number.NaN : x / (x + y));
  return [
    { threshold: Number.POSITIVE_INFINITY, falsePositiveRate: 0, truePositiveRate: 0 },
    ...steps.map((s) => ({
      threshold: s.threshold,
      falsePositiveRate: rate(s.falsePositives, s.trueNegatives),
      truePositiveRate: rate(s.truePositives, s.falseNegatives),
    })),
  ];
}

/**
 * ROC AUC as the rank statistic (Mann-Whitney U / (P * N)): the probability that a random positive
 * scores above a random negative, a tie counting one half. Equals the trapezoidal area under the tied
 * ROC curve. NaN when either class is missing.
 */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  assertSameLength(scores, labels, 'rocAuc');
  assertBinaryLabels(labels);
  assertFiniteScores(scores);
  const positives = labels.filter((l) => l === 1).length;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;

  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positiveRankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) if (labels[order[k]] === 1) positiveRankSum += averageRank;
    start = end + 1;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Precision and recall at every distinct score, highest threshold first. */
export function precisionRecallCurve(scores: readonly number[], labels: readonly number[]): PrPoint[] {
  return thresholdCounts(scores, labels).map((s) => ({
    threshold: s.threshold,
    precision: safeDivide(s.truePositives, s.truePositives + s.falsePositives),
    recall: safeDivide(s.truePositives, s.truePositives + s.falseNegatives),
  }));
}

/**
 * PR AUC as average precision: sum over thresholds of (recall gain) x precision, with no interpolation
 * (scikit-learn's definition). NaN when there is no positive.
 */
export function averagePrecision(scores: readonly number[], labels: readonly number[]): number {
  if (!labels.includes(1)) {
    assertSameLength(scores, labels, 'averagePrecision');
    return Number.NaN;
  }
  let previousRecall = 0;
  let area = 0;
  for (const point of precisionRecallCurve(scores, labels)) {
    area += (point.recall - previousRecall) * point.precision;
    previousRecall = point.recall;
  }
  return area;
}
