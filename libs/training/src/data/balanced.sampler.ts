import { createRng, deriveSeed } from '../random/rng';

export interface BalancedSamplerOptions {
  seed: number;
  /** Indices per epoch; defaults to the number of labels. */
  epochSize?: number;
}

export interface BalancedSampler {
  /** Dataset indices for one epoch: reproducible from (seed, epoch), different between epochs. */
  epoch(epochIndex: number): number[];
}

/**
 * Draws classes equally: each class present gets epochSize / C indices (the remainder goes to randomly
 * chosen classes, so counts differ by at most one). Within a class, indices are drawn without replacement
 * from a shuffled cycle, reshuffled when exhausted: a small class repeats, a large one is sub-sampled.
 */
export function createBalancedSampler(labels: readonly number[], options: BalancedSamplerOptions): BalancedSampler {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, index) => {
    const members = byClass.get(label) ?? [];
    members.push(index);
    byClass.set(label, members);
  });
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  if (classes.length === 0) throw new RangeError('no labels');
  const epochSize = options.epochSize ?? labels.length;
  if (!Number.isInteger(epochSize) || epochSize < 0) throw new RangeError(`invalid epochSize ${epochSize}`);

  return {
    epoch(epochIndex: number): number[] {
      const rng = createRng(deriveSeed(options.seed, 'balanced-sampler', epochIndex));
      const perClass = Math.floor(epochSize / classes.length);
      const extra = new Set(rng.shuffle(classes).slice(0, epochSize - perClass * classes.length));
      const indices: number[] = [];
      for (const label of classes) {
        const members = byClass.get(label) ?? [];
        const wanted = perClass + (extra.has(label) ? 1 : 0);
        let cycle: number[] = [];
        for (let drawn = 0; drawn < wanted; drawn++) {
          if (cycle.length === 0) cycle = rng.shuffle(members);
          indices.push(cycle.pop() as number);
        }
      }
      return rng.shuffle(indices);
    },
  };
}
