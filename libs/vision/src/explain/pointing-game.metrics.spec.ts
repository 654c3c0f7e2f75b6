import { readFile } from 'node:fs/promises';
import path from 'node:path';

import sharp from 'sharp';

import { distanceTransform } from './distance.transform';
import { DATASETS_DIR, seededUniform } from './explain.testing';
import { chanceOfPointing, decodeDefectMask, maskDistances, pointsAtDefect } from './pointing-game.metrics';

function bruteForceDistances(mask: Uint8Array, width: number, height: number): Float32Array {
  const features: [number, number][] = [];
  mask.forEach((value, index) => {
    if (value !== 0) features.push([index % width, Math.floor(index / width)]);
  });
  return Float32Array.from({ length: width * height }, (_, index) => {
    const x = index % width;
    const y = Math.floor(index / width);
    return Math.sqrt(Math.min(...features.map(([fx, fy]) => (fx - x) ** 2 + (fy - y) ** 2)));
  });
}

describe('distanceTransform', () => {
  it.each([
    [13, 7, 0.05],
    [9, 16, 0.2],
    [20, 20, 0.01],
  ])('matches brute force on a random %ix%i mask (density %f)', (width, height, density) => {
    const random = seededUniform(width * 100 + height);
    const mask = Uint8Array.from({ length: width * height }, () => (random() < density ? 1 : 0));
    mask[Math.floor(random() * mask.length)] = 1;
    const fast = distanceTransform(mask, width, height);
    const slow = bruteForceDistances(mask, width, height);
    fast.forEach((value, index) => expect(value).toBeCloseTo(slow[index], 4));
  });

  it('is Infinity everywhere for an empty mask', () => {
    expect([...distanceTransform(new Uint8Array(6), 3, 2)]).toEqual(new Array(6).fill(Infinity));
  });
});

describe('pointing game', () => {
  /** 10x10 with a 2x2 defect at columns 4-5, rows 6-7. */
  const mask = {
    width: 10,
    height: 10,
    data: Uint8Array.from({ length: 100 }, (_, i) =>
      i % 10 >= 4 && i % 10 <= 5 && i >= 60 && i < 80 ? 1 : 0,
    ),
  };

  it('hits on the defect, or within the tolerance of it', () => {
    const distances = maskDistances(mask);
    expect(distances.area).toBe(4);
    expect(pointsAtDefect(distances, { x: 5, y: 7 })).toBe(true);
    expect(pointsAtDefect(distances, { x: 5, y: 9 })).toBe(false);
    expect(pointsAtDefect(distances, { x: 5, y: 9 }, 2)).toBe(true);
    expect(pointsAtDefect(distances, { x: 0, y: 0 }, 5)).toBe(false);
    expect(() => pointsAtDefect(distances, { x: 10, y: 0 })).toThrow(RangeError);
  });

  it('gives the chance level of a uniformly random point', () => {
    const distances = maskDistances(mask);
    expect(chanceOfPointing(distances)).toBeCloseTo(0.04, 9);
    // Within 1 px: the 2x2 block grown by one pixel on each side, without the four diagonal corners.
    expect(chanceOfPointing(distances, 1)).toBeCloseTo(12 / 100, 9);
    expect(chanceOfPointing(maskDistances({ ...mask, data: new Uint8Array(100) }), 50)).toBe(0);
  });

  it('reads a real magnetic-tile mask at the size of its image', async () => {
    const stem = 'exp1_num_249594';
    const bytes = await readFile(path.join(DATASETS_DIR, 'magnetic-tile-masks', 'crack', `${stem}.png`));
    const image = await sharp(path.join(DATASETS_DIR, 'magnetic-tile', 'crack', `${stem}.jpg`)).metadata();
    const decoded = await decodeDefectMask(bytes);
    expect([decoded.width, decoded.height]).toEqual([image.width, image.height]);
    const distances = maskDistances(decoded);
    expect(distances.area).toBeGreaterThan(0);
    expect(distances.area).toBeLessThan(decoded.width * decoded.height * 0.1);
    expect(chanceOfPointing(distances)).toBeCloseTo(distances.area / (decoded.width * decoded.height), 9);
    expect(chanceOfPointing(distances, 15)).toBeGreaterThan(chanceOfPointing(distances, 5));
  });
});
