import { confusionMatrix } from './classification.metrics';
import { classificationReport } from './classification.report';

const labels = [0, 0, 1, 1, 2, 2];
const predictions = [0, 1, 1, 1, 2, 0];

describe('classificationReport', () => {
  it('reports everything from probabilities', () => {
    const probabilities = [
      [0.9, 0.05, 0.05],
      [0.3, 0.6, 0.1],
      [0.2, 0.7, 0.1],
      [0.1, 0.8, 0.1],
      [0.1, 0.1, 0.8],
      [0.5, 0.2, 0.3],
    ];
    const report = classificationReport(probabilities, labels, ['ok', 'crack', 'fray']);
    expect(report.confusion).toEqual(confusionMatrix(predictions, labels, 3));
    expect(report.accuracy).toBeCloseTo(4 / 6, 12);
    expect(report.perClass.map((c) => c.className)).toEqual(['ok', 'crack', 'fray']);
    const expectedLoss =
      -(Math.log(0.9) + Math.log(0.3) + Math.log(0.7) + Math.log(0.8) + Math.log(0.8) + Math.log(0.3)) / 6;
    expect(report.logLoss).toBeCloseTo(expectedLoss, 12);
    expect(report.calibration.bins).toHaveLength(10);
    expect(() => classificationReport([[0.5, 0.5]], [0], ['a', 'b', 'c'])).toThrow(RangeError);
  });
});
