import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { datasetFolder } from '../../../../test/support/datasets';

import { buildModel } from '../models';
import { featureExtractor, featureLayerName, transferBackbone } from './backbone.transfer';
import {
  NSFWJS_MOBILENET_FEATURE_LAYER,
  NSFWJS_MOBILENET_INPUT_SIZE,
  NSFWJS_MOBILENET_NORMALIZATION,
  NsfwjsMobileNetSource,
  PretrainedSourceError,
  resolveNsfwjsPackageDir,
} from './nsfwjs-mobilenet.source';
import { firstPerClass, loadImages, maxAbsDifference, predictTensor, useWasm } from './pretrained.testing';

const SIZE = NSFWJS_MOBILENET_INPUT_SIZE;

beforeAll(useWasm);

describe('NsfwjsMobileNetSource', () => {
  let keras: tfl.LayersModel;
  let images: tf.Tensor4D;

  beforeAll(async () => {
    keras = await tfl.loadLayersModel(new NsfwjsMobileNetSource());
    const tiles = datasetFolder('magnetic-tile');
    const steel = datasetFolder('neu-cls');
    // One tile of each class (ok and five defect types) and one steel strip: 7 real images.
    const files = [...firstPerClass(tiles.samples, 1), ...steel.samples.slice(0, 1)].map(
      (sample) => sample.path,
    );
    images = await loadImages(files, SIZE, NSFWJS_MOBILENET_NORMALIZATION);
  });

  afterAll(() => {
    keras.dispose();
    images.dispose();
  });

  it('loads the Keras MobileNetV2 (alpha 1.0, 224x224, 5-class head) from the installed package', () => {
    expect(keras.inputs[0].shape).toEqual([null, SIZE, SIZE, 3]);
    expect(keras.outputs[0].shape).toEqual([null, 5]);
    expect(keras.getLayer('Conv1').getWeights()[0].shape).toEqual([3, 3, 3, 32]);
    expect(keras.getLayer('Conv_1').getWeights()[0].shape).toEqual([1, 1, 320, 1280]);
    expect(keras.getLayer('bn_Conv1').getClassName()).toBe('BatchNormalization');
    const probabilities = predictTensor(keras, images);
    const sums = tf.tidy(() => tf.sum(probabilities, 1).arraySync() as number[]);
    probabilities.dispose();
    sums.forEach((sum) => expect(sum).toBeCloseTo(1, 4));
  });

  it("gives the zoo's MobileNetV2-1.0@224 the Keras features: same names, layout and arithmetic", async () => {
    const source = await tfl.loadLayersModel(new NsfwjsMobileNetSource({ batchNorm: 'zoo' }));
    const zoo = buildModel({ arch: 'mobilenetv2', alpha: 1.0, inputSize: SIZE, numClasses: 2 });
    const untouched = buildModel({ arch: 'mobilenetv2', alpha: 1.0, inputSize: SIZE, numClasses: 2 });
    try {
      const report = transferBackbone(source, zoo);
      // 52 convolutions (Conv1, Conv_1, block 0's depthwise and project, 16 blocks' expand, depthwise and project)
      // and their 52 batch norms.
      expect(report.copied).toHaveLength(104);
      expect(report.copied.reduce((sum, layer) => sum + layer.weights, 0)).toBe(52 * 1 + 52 * 4);
      expect(report.skipped.map((skip) => [skip.layer, skip.reason])).toEqual([
        ['predictions', 'not_in_source'],
      ]);
      expect(report.unusedSource).toEqual(['dense_1', 'dense_2', 'dense_3']);
      expect(featureLayerName(zoo)).toBe('global_average_pooling2d');

      const [reference, transferred, random] = [
        featureExtractor(keras, NSFWJS_MOBILENET_FEATURE_LAYER),
        featureExtractor(zoo),
        featureExtractor(untouched),
      ].map((extractor) => predictTensor(extractor, images));
      expect(reference.shape).toEqual([7, 1280]);
      expect(transferred.shape).toEqual(reference.shape);

      expect(maxAbsDifference(transferred, reference)).toBeLessThan(1e-3);
      // Not trivially equal: the features are large, differ between images, and random weights miss them.
      expect(tf.tidy(() => tf.max(reference).dataSync()[0])).toBeGreaterThan(1);
      const [first, second] = tf.split(tf.slice(reference, [0, 0], [2, -1]), 2);
      expect(maxAbsDifference(first, second)).toBeGreaterThan(0.1);
      expect(maxAbsDifference(random, reference)).toBeGreaterThan(0.1);
      tf.dispose([reference, transferred, random, first, second]);
    } finally {
      source.dispose();
      zoo.dispose();
      untouched.dispose();
    }
  });

  it("transfers the 'keras' flavour's BatchNormalization weights into the zoo's FastBatchNorm layers", () => {
    const full = buildModel({ arch: 'mobilenetv2', alpha: 1.0, inputSize: SIZE, numClasses: 2 });
    try {
      const report = transferBackbone(keras, full);
      expect(report.skipped.filter((skip) => skip.reason === 'class_mismatch')).toEqual([]);
      expect(report.copied).toContainEqual({ layer: 'bn_Conv1', weights: 4 });
    } finally {
      full.dispose();
    }
  });

  it("'zoo' batch norms compute the same features as the Keras ones they replace", async () => {
    const zooFlavour = await tfl.loadLayersModel(new NsfwjsMobileNetSource({ batchNorm: 'zoo' }));
    expect(zooFlavour.getLayer('bn_Conv1').getClassName()).toBe('FastBatchNorm');
    const before = predictTensor(keras, images);
    const after = predictTensor(zooFlavour, images);
    expect(maxAbsDifference(before, after)).toBeLessThan(1e-6);
    tf.dispose([before, after]);
    zooFlavour.dispose();
  });
});

describe('finding nsfwjs', () => {
  it('resolves the package folder although its exports map hides package.json', () => {
    const dir = resolveNsfwjsPackageDir();
    expect(path.basename(dir)).toBe('nsfwjs');
    expect(() => require.resolve('nsfwjs/package.json')).toThrow();
  });

  it('says how to install nsfwjs when it is missing', () => {
    const missing = () =>
      resolveNsfwjsPackageDir(() => {
        throw Object.assign(new Error("Cannot find module 'nsfwjs'"), { code: 'MODULE_NOT_FOUND' });
      });
    expect(missing).toThrow(PretrainedSourceError);
    expect(missing).toThrow(/nsfwjs package is not installed.*npm i -D nsfwjs@4\.4\.0/);
  });

  it('names the missing file when the package has no bundled model', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'linescope-nsfwjs-'));
    try {
      await expect(new NsfwjsMobileNetSource({ packageDir: empty }).load()).rejects.toMatchObject({
        code: 'missing_file',
        message: expect.stringContaining(path.join(empty, 'dist', 'models', 'mobilenet_v2', 'model.min.js')),
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
