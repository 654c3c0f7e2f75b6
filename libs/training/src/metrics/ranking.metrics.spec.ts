import { createRng } from '../random/rng';
import { averagePrecision, precisionRecallCurve, rocAuc, rocCurve, thresholdCounts } from './ranking.metrics';

/** Probability that a positive outranks a negative, counting ties as one half, by brute force over pairs. */
function pairwiseAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((p, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((n, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      wins += p > n ? 1 : p === n ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

function trapezoid(points: { x: number; y: number }[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    area += ((points[i].x - points[i - 1].x) * (points[i].y + points[i - 1].y)) / 2;
  }
  return area;
}

describe('rocAuc', () => {
  it('is 0.75 for a known ranking (one negative above one positive)', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
  });

  it('gives ties half credit', () => {
    expect(rocAuc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(rocAuc([0.2, 0.5, 0.5, 0.9], [0, 1, 0, 1])).toBe(0.875);
    expect(rocAuc([0.3, 0.3, 0.3, 0.3], [0, 1, 0, 1])).toBe(0.5);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, NaN with one class', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
  });

  it('equals brute-force pair counting and the area under the ROC curve on tied random scores', () => {
    const rng = createRng(12);
    const labels = Array.from({ length: 300 }, () => (rng.chance(0.3) ? 1 : 0));
    const scores = labels.map((l) => Math.round((rng.normal(l, 1) + 4) * 4) / 4);
    const auc = rocAuc(scores, labels);
    expect(auc).toBeCloseTo(pairwiseAuc(scores, labels), 12);
    const curve = rocCurve(scores, labels).map((p) => ({ x: p.falsePositiveRate, y: p.truePositiveRate }));
    expect(auc).toBeCloseTo(trapezoid(curve), 12);
  });

  it('rejects non-binary labels, non-finite scores and length mismatches', () => {
    expect(() => rocAuc([0.1, 0.2], [0, 2])).toThrow(RangeError);
    expect(() => rocAuc([0.1, Number.NaN], [0, 1])).toThrow(RangeError);
    expect(() => rocAuc([0.1], [0, 1])).toThrow(RangeError);
  });
});

describe('rocCurve', () => {
  it('steps through each distinct threshold from (0, 0) to (1, 1)', () => {
    expect(rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toEqual([
      { threshold: Number.POSITIVE_INFINITY, falsePositiveRate: 0, truePositiveRate: 0 },
      { threshold: 0.8, falsePositiveRate: 0, truePositiveRate: 0.5 },
      { threshold: 0.4, falsePositiveRate: 0.5, truePositiveRate: 0.5 },
      { threshold: 0.35, falsePositiveRate: 0.5, truePositiveRate: 1 },
      { threshold: 0.1, falsePositiveRate: 1, truePositiveRate: 1 },
    ]);
  });

  it('merges tied scores into one point', () => {
    const curve = rocCurve([0.5, 0.5, 0.9], [0, 1, 1]);
    expect(curve.map((p) => [p.falsePositiveRate, p.truePositiveRate])).toEqual([
      [0, 0],
      [0, 0.5],
      [1, 1],
    ]);
  });
});

describe('thresholdCounts', () => {
  it('counts the confusion at each distinct threshold', () => {
    expect(thresholdCounts([0.2, 0.5, 0.5, 0.9], [0, 1, 0, 1])).toEqual([
      { threshold: 0.9, truePositives: 1, falsePositives: 0, falseNegatives: 1, trueNegatives: 2 },
      { threshold: 0.5, truePositives: 2, falsePositives: 1, falseNegatives: 0, trueNegatives: 1 },
      { threshold: 0.2, truePositives: 2, falsePositives: 2, falseNegatives: 0, trueNegatives: 0 },
    ]);
  });
});

describe('precision-recall', () => {
  it('computes the curve and average precision of a known case (0.8333)', () => {
    const scores = [0.1, 0.4, 0.35, 0.8];
    const labels = [0, 0, 1, 1];
    expect(precisionRecallCurve(scores, labels)).toEqual([
      { threshold: 0.8, precision: 1, recall: 0.5 },
      { threshold: 0.4, precision: 0.5, recall: 0.5 },
      { threshold: 0.35, precision: 2 / 3, recall: 1 },
      { threshold: 0.1, precision: 0.5, recall: 1 },
    ]);
    // 0.5 * 1 + 0.5 * 2/3
    expect(averagePrecision(scores, labels)).toBeCloseTo(5 / 6, 12);
  });

  it('is 1 for a perfect ranking, the positive rate for constant scores, NaN without positives', () => {
    expect(averagePrecision([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(averagePrecision([0.5, 0.5, 0.5, 0.5], [0, 0, 0, 1])).toBe(0.25);
    expect(averagePrecision([0.5, 0.6], [0, 0])).toBeNaN();
  });
});
