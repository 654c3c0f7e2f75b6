import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../backend.manager';

describe('wasm Identity', () => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
  });

  it('clones without copying, and each tensor outlives the other', () => {
    const original = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const buffersBefore = tf.memory().numDataBuffers;
    const clone = tf.clone(original);
    expect(tf.memory().numDataBuffers).toBe(buffersBefore);
    expect(clone.dataId).toBe(original.dataId);

    original.dispose();
    expect(Array.from(clone.dataSync())).toEqual([1, 2, 3, 4]);
    const again = tf.clone(clone);
    clone.dispose();
    expect(Array.from(again.dataSync())).toEqual([1, 2, 3, 4]);
    again.dispose();
    expect(tf.memory().numDataBuffers).toBe(buffersBefore - 1);
  });

  it('still copies strings through the original kernel', () => {
    const words = tf.tensor1d(['ok', 'defect'], 'string');
    const clone = tf.clone(words);
    words.dispose();
    expect(clone.arraySync()).toEqual(['ok', 'defect']);
    clone.dispose();
  });

  it('keeps gradients of saved tensors right (the tape clones what it saves)', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const gradient = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.square(v), v)))(x);
    expect(Array.from(gradient.dataSync())).toEqual([3, 12, 27]);
  });
});
