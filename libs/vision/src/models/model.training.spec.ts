import * as tf from '@tensorflow/tfjs-core';

import { buildModel, type ModelSpec } from './index';
import { randomBatch, trainStep, useTestBackend } from './zoo.testing';

beforeAll(useTestBackend);

const SIZE = 32;
const CLASSES = 4;
const STEPS = 8;

const tinyZoo: [string, ModelSpec][] = [
  ['mobilenetv2', { arch: 'mobilenetv2', alpha: 0.35, inputSize: SIZE, numClasses: CLASSES, dropout: 0 }],
  ['resnet10', { arch: 'resnet', depth: 10, width: 8, inputSize: SIZE, numClasses: CLASSES, dropout: 0 }],
  [
    'plain resnet10',
    { arch: 'resnet', depth: 10, width: 8, inputSize: SIZE, numClasses: CLASSES, residual: false },
  ],
  ['resnet50', { arch: 'resnet', depth: 50, width: 8, inputSize: SIZE, numClasses: CLASSES, dropout: 0 }],
  [
    'deit (distillation token)',
    {
      arch: 'vit',
      patchSize: 8,
      dim: 32,
      depth: 2,
      heads: 2,
      mlpRatio: 2,
      inputSize: SIZE,
      numClasses: CLASSES,
      distillationToken: true,
      dropout: 0,
    },
  ],
];

describe('training the zoo', () => {
  it.each(tinyZoo)('%s overfits a fixed random batch with Adam without leaking tensors', (_, spec) => {
    const model = buildModel(spec);
    const optimizer = tf.train.adam(3e-3);
    const [images, labels] = randomBatch(8, SIZE, CLASSES);
    const losses: number[] = [];
    const tensorCounts: number[] = [];
    for (let step = 0; step < STEPS; step++) {
      losses.push(trainStep(model, optimizer, images, labels));
      tensorCounts.push(tf.memory().numTensors);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[STEPS - 1]).toBeLessThan(0.5 * losses[0]);
    // The first step creates Adam's moment slots; after it nothing may accumulate.
    expect(new Set(tensorCounts.slice(1)).size).toBe(1);
    tf.dispose([images, labels]);
    optimizer.dispose();
    model.dispose();
  });
});
