import { classifierCalibration, reliability } from './calibration.metrics';

describe('reliability and expected calibration error', () => {
  it('bins predictions and computes ECE by hand', () => {
    const predicted = [0.05, 0.15, 0.15, 0.95, 0.95, 0.95, 0.95];
    const outcomes = [0, 0, 1, 1, 1, 1, 0];
    const { bins, expectedCalibrationError } = reliability(predicted, outcomes, 10);
    expect(bins[0]).toMatchObject({
      lower: 0,
      upper: 0.1,
      count: 1,
      meanPredicted: 0.05,
      observedFrequency: 0,
    });
    expect(bins[1]).toMatchObject({ count: 2, observedFrequency: 0.5 });
    expect(bins[1].meanPredicted).toBeCloseTo(0.15, 12);
    expect(bins[9]).toMatchObject({ count: 4, observedFrequency: 0.75 });
    expect(bins[5].count).toBe(0);
    expect(bins[5].meanPredicted).toBeNaN();
    // (1 * 0.05 + 2 * 0.35 + 4 * 0.2) / 7
    expect(expectedCalibrationError).toBeCloseTo(1.55 / 7, 12);
  });

  it('puts probability 1 in the last bin and 0.1 in the second', () => {
    const { bins } = reliability([1, 0.1], [1, 0], 10);
    expect(bins[9].count).toBe(1);
    expect(bins[1].count).toBe(1);
  });

  it('is 0 for a perfectly calibrated predictor', () => {
    expect(reliability([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0], 4).expectedCalibrationError).toBeCloseTo(
      0,
      12,
    );
  });

  it('uses the top-label confidence for a classifier', () => {
    const calibration = classifierCalibration(
      [
        [0.8, 0.2],
        [0.3, 0.7],
        [0.9, 0.1],
      ],
      [0, 0, 0],
      5,
    );
    // confidences 0.8 (right), 0.7 (wrong), 0.9 (right)
    expect(calibration.bins[3]).toMatchObject({ count: 1, observedFrequency: 0 });
    expect(calibration.bins[4]).toMatchObject({ count: 2, observedFrequency: 1 });
    expect(calibration.expectedCalibrationError).toBeCloseTo((0.7 + 2 * (1 - 0.85)) / 3, 12);
  });

  it('rejects probabilities outside [0, 1]', () => {
    expect(() => reliability([1.2], [1])).toThrow(RangeError);
  });
});
