import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { addGaussianNoise, adjustBrightness, adjustContrast, clipPixels } from './photometric.ops';

const GRID = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const batchOf = (count: number) =>
  tf.tensor4d(Array.from({ length: count }, () => GRID).flat(), [count, 3, 3, 1]);
const image = (t: tf.Tensor, index: number) => Array.from(t.dataSync()).slice(index * 9, index * 9 + 9);

describe.each(['cpu', 'wasm'])('photometric ops on %s', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
  });

  it('adds a per-image brightness delta', () => {
    const out = adjustBrightness(batchOf(2), [10, 0]);
    expect(image(out, 0)).toEqual(GRID.map((v) => v + 10));
    expect(image(out, 1)).toEqual(GRID);
  });

  it('scales the distance from each image mean', () => {
    const out = adjustContrast(batchOf(2), [2, 0]);
    image(out, 0).forEach((v, i) => expect(v).toBeCloseTo((GRID[i] - 5) * 2 + 5, 5));
    image(out, 1).forEach((v) => expect(v).toBeCloseTo(5, 5));
  });

  it('adds scaled noise to the selected images only', () => {
    const noise = Float32Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? 1 : -1));
    const out = addGaussianNoise(batchOf(2), [3, 0], noise);
    expect(image(out, 0)).toEqual(GRID.map((v, i) => v + (i % 2 === 0 ? 3 : -3)));
    expect(image(out, 1)).toEqual(GRID);
    expect(() => addGaussianNoise(batchOf(2), [1, 1], new Float32Array(3))).toThrow(RangeError);
  });

  it('clips into [0, pixelMax]', () => {
    expect(Array.from(clipPixels(tf.tensor4d([-5, 0.5, 300, 255], [1, 2, 2, 1]), 255).dataSync())).toEqual([
      0, 0.5, 255, 255,
    ]);
  });
});
