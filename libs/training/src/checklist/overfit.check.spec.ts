import { loadTinyNeuSet, trainTinyClassifier, type TinyImageSet } from '../testing/tiny-classifier.testing';
import { checkOverfit, type OverfitStep } from './overfit.check';

const steps = (losses: number[], accuracies: number[]): OverfitStep[] =>
  losses.map((loss, step) => ({ step, loss, accuracy: accuracies[step] }));

describe('checkOverfit on a real tiny sample', () => {
  let sample: TinyImageSet;
  beforeAll(async () => {
    sample = await loadTinyNeuSet(1);
  });

  it('passes when a working setup memorises six real images', async () => {
    const history = await trainTinyClassifier(sample, sample, {
      lr: 0.05,
      steps: 60,
      optimizer: 'adam',
      normalise: true,
    });
    const finding = checkOverfit(history);
    expect(finding.status).toBe('pass');
    expect(finding.evidence.finalAccuracy).toBe(1);
    expect(finding.evidence.finalLoss).toBeLessThan(0.05);
    expect(finding.evidence.stepToTargetAccuracy).toBeGreaterThan(0);
  });

  it('fails with a learning-rate hint when nothing is learned', async () => {
    const history = await trainTinyClassifier(sample, sample, {
      lr: 0,
      steps: 10,
      optimizer: 'sgd',
      normalise: true,
    });
    const finding = checkOverfit(history);
    expect(finding.status).toBe('fail');
    expect(finding.message).toContain('raise the learning rate');
    expect(finding.evidence.stepToTargetAccuracy).toBe(-1);
  });
});

describe('checkOverfit on constructed histories', () => {
  it('warns when accuracy is reached but the loss stays up', () => {
    const finding = checkOverfit(steps([1.8, 0.9, 0.4, 0.3], [0.2, 0.6, 1, 1]));
    expect(finding.status).toBe('warn');
    expect(finding.message).toContain('dropout');
  });

  it('fails with an architecture/data hint when the loss falls then stalls', () => {
    const finding = checkOverfit(steps([1.8, 1.0, 0.8, 0.8], [0.2, 0.5, 0.67, 0.67]));
    expect(finding.status).toBe('fail');
    expect(finding.message).toContain('bigger architecture');
    expect(finding.evidence).toMatchObject({ bestAccuracy: 0.67, minLoss: 0.8, initialLoss: 1.8 });
  });

  it('fails on a NaN loss with the step it happened', () => {
    const finding = checkOverfit(steps([1.8, 40, Number.NaN], [0.2, 0.2, 0.2]));
    expect(finding.status).toBe('fail');
    expect(finding.message).toContain('step 2');
    expect(finding.message).toContain('too high');
  });

  it('fails an empty history', () => {
    expect(checkOverfit([]).status).toBe('fail');
  });
});
