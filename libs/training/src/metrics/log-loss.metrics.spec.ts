import { binaryLogLoss, logLoss } from './log-loss.metrics';

describe('logLoss', () => {
  it('is the mean negative log-probability of the true class', () => {
    const loss = logLoss(
      [
        [0.9, 0.1],
        [0.2, 0.8],
        [0.5, 0.5],
      ],
      [0, 1, 0],
    );
    expect(loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.5)) / 3, 12);
  });

  it('is ln C for a uniform prediction and finite for a confident mistake', () => {
    expect(logLoss([[1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6]], [4])).toBeCloseTo(Math.log(6), 12);
    expect(logLoss([[1, 0]], [1])).toBeCloseTo(-Math.log(1e-15), 9);
  });

  it('handles a binary defect score', () => {
    expect(binaryLogLoss([0.8, 0.4], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
  });
});
