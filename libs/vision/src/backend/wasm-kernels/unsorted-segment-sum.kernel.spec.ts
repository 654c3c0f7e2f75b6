import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../backend.manager';
import { gradientsOn, randomTensor, relativeError, valueOn } from './backend-comparison.testing';

describe('wasm UnsortedSegmentSum', () => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
  });

  it('sums rows per segment, duplicates accumulated, out-of-range ids dropped', async () => {
    const data = { values: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), shape: [5, 2] };
    const sum = (x: tf.Tensor): tf.Tensor =>
      tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2, -1, 3], 'int32'), 3);
    expect(Array.from(await valueOn('wasm', sum, [data]))).toEqual([3, 4, 0, 0, 6, 8]);
    expect(Array.from(await valueOn('cpu', sum, [data]))).toEqual([3, 4, 0, 0, 6, 8]);
  });

  it('gives gather the same gradient as on cpu', async () => {
    const table = randomTensor([6, 3, 2], 21);
    const weights = randomTensor([5, 3, 2], 22);
    const loss = (x: tf.Tensor, r: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(tf.gather(x, tf.tensor1d([4, 1, 1, 0, 4], 'int32')), r));
    const [wasmGradient] = await gradientsOn('wasm', loss, [table, weights]);
    const [cpuGradient] = await gradientsOn('cpu', loss, [table, weights]);
    expect(relativeError(wasmGradient, cpuGradient)).toBeLessThan(1e-4);
  });
});
