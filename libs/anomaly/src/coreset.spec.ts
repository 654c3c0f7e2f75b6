import { createRng } from '@linescope/training/random';
import { greedyCoreset } from './coreset';

const distance = (points: Float32Array, dimensions: number, a: number, b: number) =>
  Math.hypot(
    ...Array.from({ length: dimensions }, (_, d) => points[a * dimensions + d] - points[b * dimensions + d]),
  );

describe('greedyCoreset', () => {
  it('picks one point of each well-separated cluster before a second of any', () => {
    const rng = createRng(3);
    const centres = [
      [0, 0],
      [100, 0],
      [0, 100],
      [100, 100],
    ];
    const points = Float32Array.from(
      Array.from({ length: 200 }, (_, index) =>
        centres[index % 4].map((value) => value + rng.normal(0, 1)),
      ).flat(),
    );
    const chosen = greedyCoreset(points, 2, 4, 0);
    expect(new Set(Array.from(chosen, (index) => index % 4)).size).toBe(4);
  });

  it('covers every point within the distance of the last point it chose (the k-centre bound)', () => {
    const rng = createRng(5);
    const dimensions = 8;
    const points = Float32Array.from({ length: 500 * dimensions }, () => rng.normal());
    const chosen = Array.from(greedyCoreset(points, dimensions, 40, 7));
    expect(new Set(chosen).size).toBe(40);
    expect(chosen[0]).toBe(7);
    const radius = (centres: number[]) =>
      Math.max(
        ...Array.from({ length: 500 }, (_, point) =>
          Math.min(...centres.map((centre) => distance(points, dimensions, point, centre))),
        ),
      );
    // Greedy selection is a 2-approximation: adding centres never loosens the cover.
    expect(radius(chosen)).toBeLessThan(radius(chosen.slice(0, 10)));
    const lastPick = chosen[chosen.length - 1];
    const toEarlier = Math.min(
      ...chosen.slice(0, -1).map((centre) => distance(points, dimensions, lastPick, centre)),
    );
    expect(radius(chosen.slice(0, -1))).toBeCloseTo(toEarlier, 4);
  });

  it('returns every point when asked for more than there are', () => {
    expect(Array.from(greedyCoreset(Float32Array.from([0, 1, 5]), 1, 10)).sort()).toEqual([0, 1, 2]);
  });
});
