import { MAGNETIC_TILE } from '../testing/shared-datasets.testing';
import { classWeights } from './class.weights';
import { scanImageFolder } from './image-folder.scan';
import { toOkVsDefect } from './ok-vs-defect.task';

describe('classWeights', () => {
  it('matches a hand-computed case', () => {
    expect(classWeights([0, 0, 0, 1], 2)).toEqual([0.5, 1.5]);
  });

  it('gives an absent class weight 0 and keeps the mean of present classes at 1', () => {
    const weights = classWeights([0, 0, 2], 3);
    expect(weights[1]).toBe(0);
    expect((weights[0] + weights[2]) / 2).toBeCloseTo(1, 12);
    expect(weights[2]).toBeCloseTo(2 * weights[0], 12);
  });

  it('rejects labels out of range and an empty list', () => {
    expect(() => classWeights([0, 3], 3)).toThrow(RangeError);
    expect(() => classWeights([], 3)).toThrow(RangeError);
  });

  it('gives inverse-frequency weights with mean 1 for the real magnetic-tile imbalance', async () => {
    const labels = toOkVsDefect(await scanImageFolder(MAGNETIC_TILE)).samples.map((s) => s.label);
    const weights = classWeights(labels, 2);
    // 1/952 and 1/392 scaled to mean 1: w = 2 * (1/n) / (1/952 + 1/392).
    expect(weights[0]).toBeCloseTo((2 * 392) / (952 + 392), 12);
    expect(weights[1]).toBeCloseTo((2 * 952) / (952 + 392), 12);
    expect(weights[0] * 952).toBeCloseTo(weights[1] * 392, 9);
  });
});
