import { createRng, deriveSeed } from '../random/rng';
import { compareStrings, SPLIT_NAMES, type DatasetSplit, type Sample, type SplitName } from './sample.types';

export interface SplitOptions<S extends Sample = Sample> {
  /** Fractions of each class per split; must be >= 0 and sum to 1. */
  fractions: Record<SplitName, number>;
  seed: number;
  /**
   * The groups to stratify by; default the class name. For the ok-vs-defect task pass
   * `(s) => s.secondaryClassName` so every defect type, not just "defect", reaches every split.
   */
  stratifyBy?: (sample: S) => string;
}

/**
 * Stratified, seeded split. Each class (or `stratifyBy` group) is split on its own: its samples are sorted by
 * path, shuffled with a seed derived from (seed, group), and cut by counts from the largest-remainder method. Every split
 * with a non-zero fraction gets at least one sample of a class that has enough samples (one per such
 * split); a class with fewer samples fills train, then validation, then test. The result does not depend
 * on the input order, and adding images to one class does not move the samples of another.
 * Within a split, samples are ordered by label then path.
 */
export function stratifiedSplit<S extends Sample>(samples: readonly S[], options: SplitOptions<S>): DatasetSplit<S> {
  validateFractions(options.fractions);
  const uniquePaths = new Set(samples.map((s) => s.path));
  if (uniquePaths.size !== samples.length) throw new Error('samples contain duplicate paths');

  const groupOf = options.stratifyBy ?? ((sample: S) => sample.className);
  const byGroup = new Map<string, S[]>();
  for (const sample of samples) {
    const key = groupOf(sample);
    const group = byGroup.get(key) ?? [];
    group.push(sample);
    byGroup.set(key, group);
  }

  const result: DatasetSplit<S> = { train: [], validation: [], test: [] };
  for (const [key, group] of byGroup) {
    const ordered = [...group].sort((a, b) => compareStrings(a.path, b.path));
    const shuffled = createRng(deriveSeed(options.seed, 'split', key)).shuffle(ordered);
    const counts = allocateCounts(shuffled.length, options.fractions);
    let offset = 0;
    for (const split of SPLIT_NAMES) {
      result[split].push(...shuffled.slice(offset, offset + counts[split]));
      offset += counts[split];
    }
  }
  for (const split of SPLIT_NAMES) {
    result[split].sort((a, b) => a.label - b.label || compareStrings(a.path, b.path));
  }
  return result;
}

/** How many of `n` samples go to each split (exported for tests and reports). */
export function allocateCounts(n: number, fractions: Record<SplitName, number>): Record<SplitName, number> {
  const active = SPLIT_NAMES.filter((split) => fractions[split] > 0);
  const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  if (n < active.length) {
    active.slice(0, n).forEach((split) => (counts[split] = 1));
    return counts;
  }
  for (const split of active) counts[split] = Math.floor(n * fractions[split]);
  // Stable sort: equal remainders keep the train, validation, test order.
  const byRemainder = [...active].sort(
    (a, b) => n * fractions[b] - counts[b] - (n * fractions[a] - counts[a]),
  );
  let left = n - active.reduce((sum, split) => sum + counts[split], 0);
  for (let i = 0; left > 0; i = (i + 1) % byRemainder.length, left--) counts[byRemainder[i]]++;

  for (const split of active) {
    if (counts[split] > 0) continue;
    const donor = active.reduce((best, s) => (counts[s] > counts[best] ? s : best));
    counts[donor]--;
    counts[split]++;
  }
  return counts;
}

function validateFractions(fractions: Record<SplitName, number>): void {
  const values = SPLIT_NAMES.map((split) => fractions[split]);
  if (values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new RangeError(`split fractions must be finite and >= 0, got ${JSON.stringify(fractions)}`);
  }
  const total = values.reduce((sum, v) => sum + v, 0);
  if (Math.abs(total - 1) > 1e-9) throw new RangeError(`split fractions must sum to 1, got ${total}`);
}
