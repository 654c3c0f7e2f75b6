import { createRng, deriveSeed, hashToSeed } from './rng';

function draw(seed: number | string, count: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => rng.next());
}

describe('createRng', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    expect(draw(42, 20)).toEqual(draw(42, 20));
    expect(draw(42, 20)).not.toEqual(draw(43, 20));
    expect(draw('run-a', 5)).toEqual(draw(hashToSeed('run-a'), 5));
  });

  it('draws uniform values in [0, 1) with the right mean and spread', () => {
    const values = draw(7, 20000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    expect(mean).toBeCloseTo(0.5, 1);
    expect(variance).toBeCloseTo(1 / 12, 2);
    const buckets = new Array<number>(10).fill(0);
    for (const v of values) buckets[Math.floor(v * 10)]++;
    for (const count of buckets) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  it('draws normal values with the requested mean and standard deviation', () => {
    const rng = createRng(3);
    const values = Array.from({ length: 20000 }, () => rng.normal(5, 2));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    expect(mean).toBeCloseTo(5, 1);
    expect(std).toBeCloseTo(2, 1);
    const withinOneStd = values.filter((v) => Math.abs(v - 5) < 2).length / values.length;
    expect(withinOneStd).toBeCloseTo(0.6827, 1);
  });

  it('draws integers in range covering every value', () => {
    const rng = createRng(11);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const v = rng.int(6);
      expect(Number.isInteger(v) && v >= 0 && v < 6).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(6);
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it('shuffles a copy into a permutation, deterministically', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = createRng(1).shuffle(items);
    expect(items).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    expect(createRng(1).shuffle(items)).toEqual(shuffled);
  });

  it('chooses elements from the array and rejects an empty one', () => {
    const rng = createRng(5);
    const picks = new Set(Array.from({ length: 100 }, () => rng.choice(['a', 'b', 'c'])));
    expect([...picks].sort()).toEqual(['a', 'b', 'c']);
    expect(() => rng.choice([])).toThrow(RangeError);
  });

  it('chance(p) hits about p of the time and never for p = 0', () => {
    const rng = createRng(9);
    const hits = Array.from({ length: 10000 }, () => rng.chance(0.3)).filter(Boolean).length;
    expect(hits / 10000).toBeCloseTo(0.3, 1);
    expect(Array.from({ length: 100 }, () => rng.chance(0)).some(Boolean)).toBe(false);
  });
});

describe('deriveSeed', () => {
  it('gives distinct, stable seeds per key', () => {
    expect(deriveSeed(1, 'ok')).toBe(deriveSeed(1, 'ok'));
    expect(deriveSeed(1, 'ok')).not.toBe(deriveSeed(1, 'crack'));
    expect(deriveSeed(1, 'ok')).not.toBe(deriveSeed(2, 'ok'));
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(1, 1));
  });
});
