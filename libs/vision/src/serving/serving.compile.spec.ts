import { readdirSync } from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';

import { buildModel, predictLogits, type ModelSpec } from '../models';
import {
  layersOfClass,
  maxAbsDifference,
  randomBatch,
  trainStep,
  useTestBackend,
} from '../models/zoo.testing';

import { compileForServing } from './index';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const neuCls = path.resolve(repoRoot, '..', 'shared', 'datasets', 'neu-cls');
const SIZE = 32;

/** One real NEU steel-surface image per class, grayscale replicated to RGB, scaled to [-1, 1]. */
async function realImages(size: number): Promise<tf.Tensor4D> {
  const classes = readdirSync(neuCls, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const pixels = await Promise.all(
    classes.map(async (name) => {
      const file = readdirSync(path.join(neuCls, name))
        .filter((f) => f.endsWith('.png'))
        .sort()[0];
      const { data } = await sharp(path.join(neuCls, name, file))
        .resize(size, size)
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return Float32Array.from(data);
    }),
  );
  return tf.tidy(() => {
    const flat = Float32Array.from(pixels.flatMap((p) => Array.from(p)));
    const gray = tf.tensor4d(flat, [classes.length, size, size, 1]);
    return tf.sub<tf.Tensor4D>(tf.div(tf.tile(gray, [1, 1, 1, 3]), 127.5), 1);
  });
}

const BATCH_NORMS = ['BatchNormalization', 'FastBatchNorm'];

function batchNormLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  return model.layers.filter((layer) => BATCH_NORMS.includes(layer.getClassName()));
}

/** Random gamma, beta, moving mean and moving variance, so folding the statistics is observable. */
function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  batchNormLayers(model).forEach((layer, index) => {
    const values = layer.weights.map((weight) => {
      const role = weight.originalName.split('/').pop();
      const shape = weight.shape as number[];
      const s = seed + index * 4;
      switch (role) {
        case 'gamma':
          return tf.randomUniform(shape, 0.5, 1.5, 'float32', s);
        case 'beta':
          return tf.randomUniform(shape, -0.3, 0.3, 'float32', s + 1);
        case 'moving_mean':
          return tf.randomUniform(shape, -0.3, 0.3, 'float32', s + 2);
        default:
          return tf.randomUniform(shape, 0.5, 2, 'float32', s + 3);
      }
    });
    layer.setWeights(values);
    tf.dispose(values);
  });
}

const families: [string, ModelSpec][] = [
  ['mobilenetv2', { arch: 'mobilenetv2', alpha: 0.35, inputSize: SIZE, numClasses: 6 }],
  ['resnet18', { arch: 'resnet', depth: 18, width: 8, inputSize: SIZE, numClasses: 6 }],
  ['resnet50', { arch: 'resnet', depth: 50, width: 4, inputSize: SIZE, numClasses: 6 }],
  [
    'plain resnet10',
    { arch: 'resnet', depth: 10, width: 8, inputSize: SIZE, numClasses: 6, residual: false },
  ],
  [
    'deit',
    {
      arch: 'vit',
      patchSize: 8,
      dim: 32,
      depth: 2,
      heads: 2,
      mlpRatio: 2,
      inputSize: SIZE,
      numClasses: 6,
      distillationToken: true,
    },
  ],
];

describe('compileForServing', () => {
  let images: tf.Tensor4D;

  beforeAll(async () => {
    await useTestBackend();
    images = await realImages(SIZE);
  });

  afterAll(() => images.dispose());

  it.each(families)('%s: serving logits equal model.predict within 1e-4', (_, spec) => {
    const model = buildModel(spec);
    randomizeBatchNorms(model, 7);
    // A few training steps as well, so the weights are not the initial ones either.
    const optimizer = tf.train.adam(1e-2);
    const [trainImages, labels] = randomBatch(4, SIZE, 6);
    for (let step = 0; step < 2; step++) trainStep(model, optimizer, trainImages, labels);

    const serving = compileForServing(model);
    const expected = predictLogits(model, images);
    const actual = serving.predict(images);
    expect(actual.shape).toEqual([6, 6]);
    // Non-trivial logits: the comparison would be vacuous on near-constant outputs.
    expect(tf.tidy(() => tf.moments(expected).variance.dataSync()[0])).toBeGreaterThan(1e-4);
    expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-4);

    tf.dispose([expected, actual, trainImages, labels]);
    optimizer.dispose();
    serving.dispose();
    model.dispose();
  });

  it('folds every batch norm of MobileNetV2 and fuses every ReLU6', () => {
    const model = buildModel({
      arch: 'mobilenetv2',
      alpha: 0.35,
      inputSize: SIZE,
      numClasses: 6,
      dropout: 0.2,
    });
    const serving = compileForServing(model);
    const { summary } = serving;
    expect(summary.foldedBatchNorms).toBe(batchNormLayers(model).length);
    expect(summary.fusedActivations).toBe(layersOfClass(model, 'ReLU').length);
    expect(summary.fusedLayers).toBe(
      ['Conv2D', 'DepthwiseConv2D', 'Dense'].reduce((n, name) => n + layersOfClass(model, name).length, 0),
    );
    expect(summary.skippedLayers).toBe(1);
    expect([...new Set(summary.layersRunAsIs)].sort()).toEqual(['Add', 'GlobalAveragePooling2D']);
    serving.dispose();
    model.dispose();
  });

  it('in the ViT fuses only the dense layers (and the patch conv) and runs the rest as is', () => {
    const model = buildModel(families[4][1]);
    const serving = compileForServing(model);
    // patch conv + 2 blocks x (qkv, proj, fc1, fc2) + 2 heads.
    expect(serving.summary.fusedLayers).toBe(1 + 2 * 4 + 2);
    expect(serving.summary.foldedBatchNorms).toBe(0);
    expect(serving.summary.layersRunAsIs).toEqual(
      expect.arrayContaining(['LayerNormalization', 'MultiHeadSelfAttention', 'Activation', 'PrependTokens']),
    );
    serving.dispose();
    model.dispose();
  });

  it('keeps serving its snapshot after the model trains on, and leaks nothing', () => {
    const model = buildModel({ arch: 'resnet', depth: 10, width: 8, inputSize: SIZE, numClasses: 6 });
    randomizeBatchNorms(model, 3);
    const beforeCompile = tf.memory().numTensors;
    const serving = compileForServing(model);
    const first = serving.predict(images);

    const optimizer = tf.train.adam(1e-2);
    const [trainImages, labels] = randomBatch(4, SIZE, 6);
    trainStep(model, optimizer, trainImages, labels);
    const trained = predictLogits(model, images);
    expect(maxAbsDifference(trained, first)).toBeGreaterThan(1e-4);

    const beforePredict = tf.memory().numTensors;
    const second = serving.predict(images);
    expect(tf.memory().numTensors).toBe(beforePredict + 1);
    expect(maxAbsDifference(first, second)).toBe(0);

    tf.dispose([first, second, trained, trainImages, labels]);
    optimizer.dispose();
    const beforeDispose = tf.memory().numTensors;
    serving.dispose();
    expect(tf.memory().numTensors).toBeLessThan(beforeDispose);
    expect(() => serving.predict(images)).toThrow(/disposed/);
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThan(beforeCompile);
  });
});
