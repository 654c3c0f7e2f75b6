import { createBalancedSampler } from './balanced.sampler';

describe('createBalancedSampler', () => {
  const labels = [...new Array<number>(90).fill(0), ...new Array<number>(10).fill(1)];

  it('draws both classes equally, repeating the small class and sub-sampling the large one', () => {
    const epoch = createBalancedSampler(labels, { seed: 3 }).epoch(0);
    expect(epoch).toHaveLength(100);
    const minority = epoch.filter((i) => labels[i] === 1);
    const majority = epoch.filter((i) => labels[i] === 0);
    expect(minority).toHaveLength(50);
    expect(majority).toHaveLength(50);
    expect(new Set(majority).size).toBe(50);
    for (let i = 90; i < 100; i++) expect(minority.filter((x) => x === i)).toHaveLength(5);
  });

  it('is reproducible per (seed, epoch) and differs between epochs', () => {
    const sampler = createBalancedSampler(labels, { seed: 3 });
    expect(createBalancedSampler(labels, { seed: 3 }).epoch(1)).toEqual(sampler.epoch(1));
    expect(sampler.epoch(2)).not.toEqual(sampler.epoch(1));
    expect(createBalancedSampler(labels, { seed: 4 }).epoch(1)).not.toEqual(sampler.epoch(1));
  });

  it('shuffles the classes together rather than in blocks', () => {
    const epoch = createBalancedSampler(labels, { seed: 5 }).epoch(0);
    const firstHalfMinority = epoch.slice(0, 50).filter((i) => labels[i] === 1).length;
    expect(firstHalfMinority).toBeGreaterThan(10);
    expect(firstHalfMinority).toBeLessThan(40);
  });

  it('spreads an uneven epoch size so class counts differ by at most one', () => {
    const three = [0, 1, 1, 2, 2, 2];
    const epoch = createBalancedSampler(three, { seed: 1, epochSize: 10 }).epoch(0);
    const counts = [0, 1, 2].map((c) => epoch.filter((i) => three[i] === c).length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...counts) - Math.min(...counts)).toBe(1);
  });
});
