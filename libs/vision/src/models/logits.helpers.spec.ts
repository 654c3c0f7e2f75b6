import * as tf from '@tensorflow/tfjs-core';

import { averageDistillationLogits, buildModel, logitsToProbabilities, predictLogits } from './index';
import { maxAbsDifference, useTestBackend } from './zoo.testing';

beforeAll(useTestBackend);

describe('logit helpers', () => {
  it('probabilities are a softmax over the classes of each row', () => {
    const probabilities = logitsToProbabilities(
      tf.tensor2d([
        [0, Math.log(3)],
        [5, 5],
      ]),
    );
    expect(Array.from(probabilities.dataSync()).map((p) => Number(p.toFixed(6)))).toEqual([
      0.25, 0.75, 0.5, 0.5,
    ]);
    probabilities.dispose();
  });

  it('averages class and distillation logits', () => {
    const averaged = averageDistillationLogits(tf.tensor2d([[1, -2]]), tf.tensor2d([[3, 4]]));
    expect(Array.from(averaged.dataSync())).toEqual([2, 1]);
    averaged.dispose();
  });

  it('predictLogits returns the single output of a one-headed model unchanged and leaks nothing', () => {
    const model = buildModel({ arch: 'resnet', depth: 10, width: 4, inputSize: 32, numClasses: 3 });
    const images = tf.randomUniform<tf.Rank.R4>([2, 32, 32, 3], -1, 1, 'float32', 9);
    const direct = model.predict(images) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const logits = predictLogits(model, images);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(maxAbsDifference(logits, direct)).toBe(0);
    tf.dispose([images, direct, logits]);
    model.dispose();
  });
});
