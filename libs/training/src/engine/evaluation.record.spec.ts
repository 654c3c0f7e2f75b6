import { evaluationRecord, MAX_CURVE_POINTS, thinCurve } from './evaluation.record';
import { evaluateProbabilities } from './model.evaluate';

const OPTIONS = {
  classNames: ['ok', 'defect'],
  positiveClasses: ['defect'],
  targetRecall: 0.9,
  band: { safeRecall: 0.99, safePrecision: 0.9 },
};

/** n scored parts, every third a defect, with defect probabilities spread by `skill` (1: perfectly ranked). */
function split(n: number, skill: number) {
  const labels = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const probabilities = labels.map((label, i) => {
    const defect = skill * label * 0.9 + ((1 - skill) * ((i * 37) % 100)) / 100 + 0.05 * ((i % 7) / 7);
    return [1 - Math.min(0.99, defect), Math.min(0.99, defect)];
  });
  return { labels, probabilities };
}

describe('evaluation record', () => {
  it('keeps the report, ROC and PR curves, calibration and operating point, JSON-safe', () => {
    const record = evaluationRecord(
      evaluateProbabilities({ test: split(90, 1), validation: split(60, 1) }, OPTIONS),
      OPTIONS.classNames,
    );
    expect(record.testCount).toBe(90);
    expect(record.confusion.flat().reduce((a, b) => a + b, 0)).toBe(90);
    expect(record.perClass.map((c) => c.className)).toEqual(['ok', 'defect']);
    expect(record.defect?.rocAuc).toBe(1);
    expect(record.defect?.prAuc).toBe(1);
    expect(record.defect?.rocCurve[0]).toMatchObject({ falsePositiveRate: 0 });
    expect(record.defect?.prCurve.at(-1)).toMatchObject({ recall: 1 });
    expect(record.defect?.operatingPoint).toMatchObject({ targetRecall: 0.9, test: { escapeRate: 0 } });
    // Empty calibration bins have no mean: null, never NaN (which JSON cannot hold).
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    expect(record.calibration.bins.some((bin) => bin.count === 0 && bin.meanPredicted === null)).toBe(true);
  });

  it('has no operating point, with the reason, when validation holds no defect', () => {
    const validation = {
      labels: [0, 0, 0],
      probabilities: [
        [0.9, 0.1],
        [0.8, 0.2],
        [0.7, 0.3],
      ],
    };
    const record = evaluationRecord(
      evaluateProbabilities({ test: split(30, 0.5), validation }, OPTIONS),
      OPTIONS.classNames,
    );
    expect(record.defect?.operatingPoint).toBeNull();
    expect(record.defect?.note).toMatch(/no defect/);
  });

  it('thins long curves to at most MAX_CURVE_POINTS, keeping both ends', () => {
    const points = Array.from({ length: 1000 }, (_, i) => i);
    const thinned = thinCurve(points);
    expect(thinned).toHaveLength(MAX_CURVE_POINTS);
    expect(thinned[0]).toBe(0);
    expect(thinned.at(-1)).toBe(999);
    expect(thinCurve([1, 2, 3])).toEqual([1, 2, 3]);
  });
});
