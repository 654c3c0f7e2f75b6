import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@linescope/vision/backend';
import { FastBatchNorm } from '@linescope/vision/layers';
import { recalibrateBatchNorms } from './batch-norm.recalibrate';

beforeAll(() => initBackend({ preferred: 'wasm', logger: () => undefined }));

describe('recalibrateBatchNorms', () => {
  it('sets a frozen batch norm moving statistics to the average of the batch statistics, and nothing else', () => {
    const model = tfl.sequential({
      layers: [new FastBatchNorm({ inputShape: [2], momentum: 0.99, name: 'bn' })],
    });
    const bn = model.getLayer('bn') as FastBatchNorm;
    bn.setWeights([tf.tensor1d([2, 3]), tf.tensor1d([-1, 1]), tf.tensor1d([0, 0]), tf.tensor1d([1, 1])]);
    bn.trainable = false;
    const batches = [
      [
        [1, 10],
        [3, 14],
      ],
      [
        [0, 0],
        [2, 0],
        [4, 6],
      ],
    ];

    const count = recalibrateBatchNorms(model, batches.length, (index) => tf.tensor2d(batches[index]));

    expect(count).toBe(1);
    const [gamma, beta, mean, variance] = bn.getWeights().map((weight) => Array.from(weight.dataSync()));
    expect(gamma).toEqual([2, 3]);
    expect(beta).toEqual([-1, 1]);
    // Batch means (2, 12) and (2, 2); biased variances (1, 4) and (8/3, 8).
    expect(mean[0]).toBeCloseTo(2, 5);
    expect(mean[1]).toBeCloseTo(7, 5);
    expect(variance[0]).toBeCloseTo((1 + 8 / 3) / 2, 5);
    expect(variance[1]).toBeCloseTo(6, 5);
    expect(bn.trainable).toBe(false);
    expect(bn.weights.map((weight) => weight.trainable)).toEqual([false, false, false, false]);
    expect(bn.momentum).toBe(0.99);
    model.dispose();
  });
});
