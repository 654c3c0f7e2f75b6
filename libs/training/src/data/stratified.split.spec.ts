import { createRng } from '../random/rng';
import { MAGNETIC_TILE } from '../testing/shared-datasets.testing';
import { scanImageFolder, type ImageFolder } from './image-folder.scan';
import { toOkVsDefect } from './ok-vs-defect.task';
import { SPLIT_NAMES, type DatasetSplit } from './sample.types';
import { splitStats } from './split.stats';
import { allocateCounts, stratifiedSplit } from './stratified.split';

const fractions = { train: 0.7, validation: 0.15, test: 0.15 };
const paths = (split: DatasetSplit) => SPLIT_NAMES.map((name) => split[name].map((s) => s.path));

describe('stratifiedSplit on magnetic-tile', () => {
  let folder: ImageFolder;
  let split: DatasetSplit;

  beforeAll(async () => {
    folder = await scanImageFolder(MAGNETIC_TILE);
    split = stratifiedSplit(folder.samples, { fractions, seed: 1 });
  });

  it('puts every sample in exactly one split', () => {
    const all = paths(split).flat();
    expect(all).toHaveLength(folder.samples.length);
    expect(new Set(all).size).toBe(folder.samples.length);
  });

  it('has every class in every split, in proportion', () => {
    const stats = splitStats(split, folder.classNames);
    for (const row of stats.perClass) {
      expect(row.validation).toBeGreaterThan(0);
      expect(row.test).toBeGreaterThan(0);
      expect(Math.abs(row.train - 0.7 * row.total)).toBeLessThanOrEqual(1);
      expect(Math.abs(row.validation - 0.15 * row.total)).toBeLessThanOrEqual(1);
    }
    expect(stats.perClass.find((r) => r.className === 'fray')).toEqual({
      className: 'fray',
      train: 22,
      validation: 5,
      test: 5,
      total: 32,
    });
    // Largest remainder per class, e.g. crack 57 -> 39.9 / 8.55 / 8.55 -> 40 / 9 / 8.
    expect(stats.perClass.find((r) => r.className === 'crack')).toMatchObject({ train: 40, validation: 9, test: 8 });
    expect(stats.totals).toEqual({ train: 940, validation: 203, test: 201, total: 1344 });
  });

  it('is deterministic for a seed, independent of input order, and changes with the seed', () => {
    const again = stratifiedSplit(createRng(99).shuffle(folder.samples), { fractions, seed: 1 });
    expect(paths(again)).toEqual(paths(split));
    const otherSeed = stratifiedSplit(folder.samples, { fractions, seed: 2 });
    expect(paths(otherSeed)[1]).not.toEqual(paths(split)[1]);
  });

  it('does not move one class when another class changes', () => {
    const withoutSomeOk = folder.samples.filter((s) => !(s.className === 'ok' && s.path.endsWith('1.jpg')));
    const changed = stratifiedSplit(withoutSomeOk, { fractions, seed: 1 });
    const crackTest = (s: DatasetSplit) => s.test.filter((x) => x.className === 'crack').map((x) => x.path);
    expect(crackTest(changed)).toEqual(crackTest(split));
  });

  it('orders each split by label then path', () => {
    for (const name of SPLIT_NAMES) {
      const keys = split[name].map((s) => [s.label, s.path] as const);
      const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
      expect(keys).toEqual(sorted);
    }
  });

  it('stratifies the ok-vs-defect task by defect type when asked', () => {
    const task = toOkVsDefect(folder);
    const byType = stratifiedSplit(task.samples, { fractions, seed: 1, stratifyBy: (s) => s.secondaryClassName });
    for (const name of SPLIT_NAMES) {
      const types = new Set(byType[name].map((s) => s.secondaryClassName));
      expect([...types].sort()).toEqual([...folder.classNames].sort());
    }
    // Same groups as splitting the six-class dataset, so the same images land in each split.
    expect(byType.test.map((s) => s.path).sort()).toEqual(split.test.map((s) => s.path).sort());
  });

  it('rejects bad fractions and duplicate samples', () => {
    expect(() => stratifiedSplit(folder.samples, { fractions: { train: 0.7, validation: 0.2, test: 0.2 }, seed: 1 })).toThrow(
      RangeError,
    );
    expect(() =>
      stratifiedSplit(folder.samples, { fractions: { train: 1.1, validation: -0.1, test: 0 }, seed: 1 }),
    ).toThrow(RangeError);
    expect(() => stratifiedSplit([folder.samples[0], folder.samples[0]], { fractions, seed: 1 })).toThrow(
      'duplicate',
    );
  });
});

describe('allocateCounts', () => {
  it.each([
    [10, fractions, { train: 7, validation: 2, test: 1 }],
    [5, fractions, { train: 3, validation: 1, test: 1 }],
    [3, fractions, { train: 1, validation: 1, test: 1 }],
    [2, fractions, { train: 1, validation: 1, test: 0 }],
    [1, fractions, { train: 1, validation: 0, test: 0 }],
    [0, fractions, { train: 0, validation: 0, test: 0 }],
    [20, { train: 0.98, validation: 0.01, test: 0.01 }, { train: 18, validation: 1, test: 1 }],
    [9, { train: 0.8, validation: 0.2, test: 0 }, { train: 7, validation: 2, test: 0 }],
  ])('splits %d samples', (n, f, expected) => {
    const counts = allocateCounts(n, f);
    expect(counts).toEqual(expected);
    expect(counts.train + counts.validation + counts.test).toBe(n);
  });
});
