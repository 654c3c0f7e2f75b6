import { stratifiedSample } from './stratified.sample';

/** A split as the engine orders it: by label, here 300 of class 0, 60 of class 1 and 12 of class 2. */
const ordered = [...Array<number>(300).fill(0), ...Array<number>(60).fill(1), ...Array<number>(12).fill(2)];
const indices = ordered.map((_, i) => i);
const labelOf = (index: number) => ordered[index];
const countByClass = (picked: number[]) =>
  picked.reduce(
    (counts, index) => {
      counts[labelOf(index)]++;
      return counts;
    },
    [0, 0, 0],
  );

describe('stratifiedSample', () => {
  it('draws every class in proportion where the first images of a label-ordered split are all one class', () => {
    const picked = stratifiedSample(indices, labelOf, 128, 7);
    expect(picked).toHaveLength(128);
    expect(new Set(indices.slice(0, 128).map(labelOf)).size).toBe(1);
    // 300/372, 60/372 and 12/372 of 128 by the largest remainder: 103.2, 20.6, 4.1
    expect(countByClass(picked)).toEqual([103, 21, 4]);
  });

  it('keeps at least one of a class whose share rounds to nothing', () => {
    const rare = [...Array<number>(995).fill(0), ...Array<number>(5).fill(1)];
    const picked = stratifiedSample(
      rare.map((_, i) => i),
      (i) => rare[i],
      10,
      1,
    );
    expect(picked.map((i) => rare[i]).sort()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('is seeded: the same seed draws the same images, another seed others, in the input order', () => {
    const a = stratifiedSample(indices, labelOf, 50, 3);
    expect(stratifiedSample(indices, labelOf, 50, 3)).toEqual(a);
    expect(stratifiedSample(indices, labelOf, 50, 4)).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(new Set(a).size).toBe(50);
  });

  it('returns everything when asked for more than there is, nothing when asked for none', () => {
    expect(stratifiedSample([5, 2, 9], () => 0, 10, 0)).toEqual([5, 2, 9]);
    expect(stratifiedSample([5, 2, 9], () => 0, 0, 0)).toEqual([]);
  });
});
