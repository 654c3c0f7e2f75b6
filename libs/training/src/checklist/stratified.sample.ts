import { createRng } from '../random/rng';

/**
 * `count` of the given indices drawn per class in proportion to the class sizes (largest remainder), with at
 * least one of every class when `count` allows, seeded. A split is ordered by label, so its first images may all
 * share one class: a check that needs the classes mixed draws through this. Returned in the input's order.
 */
export function stratifiedSample(
  indices: readonly number[],
  labelOf: (index: number) => number,
  count: number,
  seed: number,
): number[] {
  if (count >= indices.length) return [...indices];
  if (count <= 0) return [];
  const byClass = new Map<number, number[]>();
  for (const index of indices) {
    const label = labelOf(index);
    byClass.set(label, [...(byClass.get(label) ?? []), index]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const quota = quotas(
    classes.map((label) => (byClass.get(label) as number[]).length),
    count,
  );
  const rng = createRng(seed);
  const picked = new Set<number>();
  classes.forEach((label, c) => {
    for (const index of rng.shuffle(byClass.get(label) as number[]).slice(0, quota[c])) picked.add(index);
  });
  return indices.filter((index) => picked.has(index));
}

/** Largest-remainder shares of `count` by `sizes`, then one for every class left empty, taken from the largest. */
function quotas(sizes: readonly number[], count: number): number[] {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const exact = sizes.map((size) => (size * count) / total);
  const quota = exact.map(Math.floor);
  const byRemainder = exact.map((value, c) => ({ c, rest: value - Math.floor(value) }));
  byRemainder.sort((a, b) => b.rest - a.rest || a.c - b.c);
  for (let left = count - quota.reduce((s, q) => s + q, 0), k = 0; left > 0; left--, k++)
    quota[byRemainder[k].c]++;
  for (let c = 0; c < quota.length; c++) {
    if (quota[c] > 0) continue;
    const donor = quota.indexOf(Math.max(...quota));
    if (quota[donor] <= 1) break;
    quota[donor]--;
    quota[c] = 1;
  }
  return quota;
}
