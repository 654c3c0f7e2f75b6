import {
  accuracy,
  argmaxRows,
  confusionMatrix,
  macroAverages,
  perClassMetrics,
} from './classification.metrics';

const labels = [0, 0, 1, 1, 2, 2];
const predictions = [0, 1, 1, 1, 2, 0];

describe('classification metrics', () => {
  it('builds the confusion matrix with rows = truth and columns = prediction', () => {
    expect(confusionMatrix(predictions, labels, 3)).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(() => confusionMatrix([3], [0], 3)).toThrow(RangeError);
  });

  it('computes per-class precision, recall, F1 and macro averages by hand', () => {
    const perClass = perClassMetrics(confusionMatrix(predictions, labels, 3));
    expect(perClass[0]).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(perClass[1].precision).toBeCloseTo(2 / 3, 12);
    expect(perClass[1].recall).toBe(1);
    expect(perClass[1].f1).toBeCloseTo(0.8, 12);
    expect(perClass[2]).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(perClass[2].f1).toBeCloseTo(2 / 3, 12);
    const macro = macroAverages(perClass);
    expect(macro.precision).toBeCloseTo((0.5 + 2 / 3 + 1) / 3, 12);
    expect(macro.recall).toBeCloseTo(2 / 3, 12);
    expect(macro.f1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
  });

  it('scores a class that is never predicted as 0 precision rather than NaN', () => {
    const perClass = perClassMetrics(confusionMatrix([0, 0], [0, 1], 2));
    expect(perClass[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(perClass[0].precision).toBe(0.5);
  });

  it('computes accuracy and argmax (first index on ties)', () => {
    expect(accuracy(predictions, labels)).toBeCloseTo(4 / 6, 12);
    expect(accuracy([], [])).toBeNaN();
    expect(
      argmaxRows([
        [0.1, 0.7, 0.2],
        [0.5, 0.5, 0],
        [0, 0, 1],
      ]),
    ).toEqual([1, 0, 2]);
  });
});
