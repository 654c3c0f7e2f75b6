import * as tf from '@tensorflow/tfjs-core';

import { maxAbsDifference, useTestBackend } from '../models/zoo.testing';

import { type BatchNormParams, foldBatchNorm } from './index';

beforeAll(useTestBackend);

function randomBatchNorm(channels: number, seed: number, withAffine = true): BatchNormParams {
  return {
    gamma: withAffine ? tf.randomUniform([channels], 0.5, 1.5, 'float32', seed) : null,
    beta: withAffine ? tf.randomUniform([channels], -0.5, 0.5, 'float32', seed + 1) : null,
    movingMean: tf.randomUniform([channels], -0.5, 0.5, 'float32', seed + 2),
    movingVariance: tf.randomUniform([channels], 0.2, 2, 'float32', seed + 3),
    epsilon: 1e-3,
  };
}

function applyBatchNorm(x: tf.Tensor, params: BatchNormParams): tf.Tensor {
  return tf.batchNorm(
    x,
    params.movingMean,
    params.movingVariance,
    params.beta ?? undefined,
    params.gamma ?? undefined,
    params.epsilon,
  );
}

describe('foldBatchNorm', () => {
  const x = (): tf.Tensor4D => tf.randomNormal<tf.Rank.R4>([2, 7, 7, 3], 0, 1, 'float32', 11);

  it.each([true, false])('folds into a conv2d kernel and bias (gamma/beta present: %s)', (withAffine) => {
    tf.tidy(() => {
      const kernel = tf.randomNormal<tf.Rank.R4>([3, 3, 3, 5], 0, 0.5, 'float32', 12);
      const bias = tf.randomNormal<tf.Rank.R1>([5], 0, 0.5, 'float32', 13);
      const params = randomBatchNorm(5, 20, withAffine);
      const reference = applyBatchNorm(tf.add(tf.conv2d(x(), kernel, 2, 'same'), bias), params);
      const folded = foldBatchNorm(kernel, bias, params, 'conv2d');
      const actual = tf.add(tf.conv2d(x(), folded.kernel as tf.Tensor4D, 2, 'same'), folded.bias);
      expect(folded.kernel.shape).toEqual([3, 3, 3, 5]);
      expect(maxAbsDifference(actual, reference)).toBeLessThan(1e-5);
      // The fold changes the weights (a no-op fold would make the comparison meaningless).
      expect(maxAbsDifference(folded.kernel, kernel)).toBeGreaterThan(1e-3);
    });
  });

  it('folds into a depthwise kernel with a channel multiplier and no bias', () => {
    tf.tidy(() => {
      const kernel = tf.randomNormal<tf.Rank.R4>([3, 3, 3, 2], 0, 0.5, 'float32', 14);
      const params = randomBatchNorm(6, 30);
      const reference = applyBatchNorm(tf.depthwiseConv2d(x(), kernel, 1, 'same'), params);
      const folded = foldBatchNorm(kernel, null, params, 'depthwise');
      const actual = tf.add(tf.depthwiseConv2d(x(), folded.kernel as tf.Tensor4D, 1, 'same'), folded.bias);
      expect(maxAbsDifference(actual, reference)).toBeLessThan(1e-5);
    });
  });

  it('folds into a dense kernel', () => {
    tf.tidy(() => {
      const input = tf.randomNormal<tf.Rank.R2>([4, 6], 0, 1, 'float32', 15);
      const kernel = tf.randomNormal<tf.Rank.R2>([6, 3], 0, 0.5, 'float32', 16);
      const bias = tf.randomNormal<tf.Rank.R1>([3], 0, 0.5, 'float32', 17);
      const params = randomBatchNorm(3, 40);
      const reference = applyBatchNorm(tf.add(tf.matMul(input, kernel), bias), params);
      const folded = foldBatchNorm(kernel, bias, params, 'dense');
      const actual = tf.add(tf.matMul(input, folded.kernel as tf.Tensor2D), folded.bias);
      expect(maxAbsDifference(actual, reference)).toBeLessThan(1e-5);
    });
  });

  it('leaves its inputs untouched and leaks nothing', () => {
    const kernel = tf.ones([1, 1, 2, 2]);
    const params = randomBatchNorm(2, 50);
    const before = tf.memory().numTensors;
    const folded = foldBatchNorm(kernel, null, params, 'conv2d');
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(Array.from(kernel.dataSync())).toEqual([1, 1, 1, 1]);
    tf.dispose([
      kernel,
      folded.kernel,
      folded.bias,
      ...Object.values(params).filter((v) => v instanceof tf.Tensor),
    ]);
  });
});
