import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../backend.manager';
import { randomTensor, valueOn } from './backend-comparison.testing';
import { tileShapes } from './tile.kernel';

const cases: { shape: number[]; reps: number[] }[] = [
  { shape: [5], reps: [3] },
  { shape: [2, 3], reps: [2, 3] },
  { shape: [1, 1, 6], reps: [4, 5, 1] },
  { shape: [4, 5, 1], reps: [1, 1, 6] },
  { shape: [2, 3, 2], reps: [1, 2, 1] },
  // Folds to rank 6: wasm's own kernel runs.
  { shape: [2, 2, 2], reps: [2, 2, 2] },
];

describe('wasm Tile', () => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
  });

  it('folds LayerNormalization tiles to rank-2 broadcasts', () => {
    expect(tileShapes([1, 1, 48], [32, 17, 1])).toEqual({ x: [1, 48], partner: [544, 1] });
    expect(tileShapes([32, 17, 1], [1, 1, 48])).toEqual({ x: [544, 1], partner: [1, 48] });
    expect(tileShapes([2, 2, 2], [2, 2, 2])).toBeNull();
  });

  it.each(cases)('matches the cpu backend for $shape tiled $reps', async ({ shape, reps }) => {
    const x = randomTensor(shape, 5);
    const tile = (input: tf.Tensor): tf.Tensor => tf.tile(input, reps);
    const onWasm = await valueOn('wasm', tile, [x]);
    const onCpu = await valueOn('cpu', tile, [x]);
    expect(Array.from(onWasm)).toEqual(Array.from(onCpu));
  });

  it('tiles booleans (the masks tf.where broadcasts) and keeps the dtype', () => {
    const tiled = tf.tile(tf.tensor2d([true, false], [2, 1], 'bool'), [1, 3]);
    expect(tiled.dtype).toBe('bool');
    expect(Array.from(tiled.dataSync())).toEqual([1, 1, 1, 0, 0, 0]);
    tiled.dispose();
  });

  it('tiles int32 and keeps the dtype', () => {
    const tiled = tf.tile(tf.tensor1d([1, 2], 'int32'), [3]);
    expect(tiled.dtype).toBe('int32');
    expect(Array.from(tiled.dataSync())).toEqual([1, 2, 1, 2, 1, 2]);
    tiled.dispose();
  });
});
